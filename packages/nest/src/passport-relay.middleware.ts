import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import { isPassportError, type Relay } from '@passport-relay/core';
import { admit, runNodeRequest } from '@passport-relay/core/adapter';
import { ClsServiceManager, ContextClsStoreMap } from 'nestjs-cls';
import { rememberContext } from './internal/request-context.js';
import type { ResolvedPassportRelayOptions } from './options.js';
import { PassportRefusedException } from './passport-refused.exception.js';
import { PASSPORT_CLS_KEY, PASSPORT_RELAY_OPTIONS } from './tokens.js';

type Next = (error?: unknown) => void;

/**
 * The inbound decision for Nest: verifies the request's passport with `relay.extract`, then runs
 * the rest of the request inside `relay.runWith` (so `relay.current()` and the outbound hooks see
 * the caller everywhere: guards, interceptors, pipes, controllers, services, exception filters)
 * and with the passport under {@link PASSPORT_CLS_KEY} in the request's nestjs-cls store. A
 * refusal is thrown as {@link PassportRefusedException}; the handler never runs.
 *
 * It reuses the CLS context your `ClsModule` opened for the request, and opens one (in the single
 * nestjs-cls store) when there is none. `PassportRelayModule` mounts it on every route; apply it
 * yourself with `mount: false`.
 *
 * @example
 * ```ts
 * @Module({ imports: [PassportRelayModule.forRoot({ relay, mount: false })] })
 * export class AppModule implements NestModule {
 *   configure(consumer: MiddlewareConsumer) {
 *     consumer.apply(PassportRelayMiddleware).forRoutes(OrdersController);
 *   }
 * }
 * ```
 */
@Injectable()
export class PassportRelayMiddleware implements NestMiddleware<IncomingMessage, ServerResponse> {
  readonly #relay: Relay;
  readonly #required: boolean;

  constructor(@Inject(PASSPORT_RELAY_OPTIONS) options: ResolvedPassportRelayOptions) {
    this.#relay = options.relay;
    this.#required = options.required;
  }

  use(request: IncomingMessage, response: ServerResponse, next: Next): void {
    const context = admit(this.#relay, request.headers, this.#required);
    if (isPassportError(context)) throw new PassportRefusedException(context);
    rememberContext(request, context);
    const relay = this.#relay;
    const cls = ClsServiceManager.getClsService();
    const enter = (): void => {
      cls.set(PASSPORT_CLS_KEY, context.passport);
      runNodeRequest(relay, context, request, response, next);
    };
    // The app's ClsMiddleware opened this request's CLS context: use it, never a second one.
    if (cls.isActive() && ContextClsStoreMap.getByRaw(request) === cls.get()) {
      enter();
      return;
    }
    // No CLS context for this request yet: open one, registered for the request as ClsMiddleware
    // does, so that a ClsGuard, ClsInterceptor or ClsMiddleware running later reuses it.
    cls.run({ ifNested: 'override' }, () => {
      ContextClsStoreMap.setByRaw(request, cls.get());
      enter();
    });
  }
}
