/**
 * `orders`: the Nest service the edge calls. The controller knows nothing of passports; the
 * service reads the caller through `PassportService` and calls `inventory` with an axios instance
 * that carries the passport on its own (installAxiosPropagation ran in main.ts before the instance
 * was created).
 *
 * esbuild (tsx) emits no decorator metadata, so every constructor parameter names its provider
 * with `@Inject(...)`. With `tsc` and `emitDecoratorMetadata` you could leave them out.
 */
import { Controller, type DynamicModule, Get, Inject, Injectable, Module } from '@nestjs/common';
import type { Relay } from '@passport-relay/core';
import { PassportRelayModule, PassportService } from '@passport-relay/nest';
import axios, { type AxiosInstance } from 'axios';
import type { Hop } from './inventory.js';

/** The injection token of the axios instance that talks to `inventory`. */
export const INVENTORY_HTTP = Symbol('INVENTORY_HTTP');

@Injectable()
export class OrdersService {
  constructor(
    @Inject(PassportService) private readonly passports: PassportService,
    @Inject(INVENTORY_HTTP) private readonly inventory: AxiosInstance,
  ) {}

  /** Business code: no request, no passport parameter. */
  async list(): Promise<Hop[]> {
    const caller = this.passports.require(); // the verified caller (ERR_PASSPORT_MISSING → 401)
    const here: Hop = { service: 'orders', sub: caller.sub, roles: caller.roles };
    // A plain axios call: the interceptor adds the passport, `inventory` being on `propagateTo`.
    const { data } = await this.inventory.get<Hop[]>('/stock');
    return [here, ...data];
  }
}

@Controller('orders')
export class OrdersController {
  constructor(@Inject(OrdersService) private readonly orders: OrdersService) {}

  @Get()
  list(): Promise<Hop[]> {
    return this.orders.list();
  }
}

@Module({})
class OrdersModule {}

/** The app's root module (see inventory.ts for where the relay would come from). */
export function ordersModule(relay: Relay, inventoryOrigin: string): DynamicModule {
  return {
    module: OrdersModule,
    // `required: true`: every route of this app refuses requests without a passport (401).
    imports: [PassportRelayModule.forRoot({ relay, required: true })],
    controllers: [OrdersController],
    providers: [
      OrdersService,
      // Created after installAxiosPropagation, so `axios.create()` hands it the interceptor.
      { provide: INVENTORY_HTTP, useFactory: () => axios.create({ baseURL: inventoryOrigin }) },
    ],
  };
}
