/**
 * `inventory`: the downstream Nest service. It reads the caller with `@CurrentPassport()` in the
 * handler's parameters; `@RequirePassport()` refuses requests without one (401) before the
 * handler runs. The passport arrived in a header `orders` never set by hand: axios's interceptor
 * put it there.
 */
import { Controller, type DynamicModule, Get, Module } from '@nestjs/common';
import type { Relay } from '@passport-relay/core';
import { CurrentPassport, PassportRelayModule, RequirePassport } from '@passport-relay/nest';

/** What one service saw of the request; each service adds its own line to the journey. */
export interface Hop {
  readonly service: string;
  readonly sub: string | undefined;
  readonly roles: unknown;
}

@Controller('stock')
@RequirePassport() // every route of this controller needs a passport; others could stay open
export class InventoryController {
  @Get()
  stock(@CurrentPassport('sub') sub: string, @CurrentPassport('roles') roles: unknown): Hop[] {
    return [{ service: 'inventory', sub, roles }];
  }
}

@Module({})
class InventoryModule {}

/**
 * The app's root module. The relay is made at start-up in main.ts (fresh keys); yours would be a
 * constant of your own module, or come from `PassportRelayModule.forRootAsync` and your config.
 */
export function inventoryModule(relay: Relay): DynamicModule {
  return {
    module: InventoryModule,
    // Not required app-wide: @RequirePassport() above decides per controller or route.
    imports: [PassportRelayModule.forRoot({ relay })],
    controllers: [InventoryController],
  };
}
