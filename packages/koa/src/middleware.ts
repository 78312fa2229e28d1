import {
  isPassportError,
  type Passport,
  type PassportFields,
  type Relay,
} from '@passport-relay/core';
import {
  admit,
  inboundOptions,
  refusalResponse,
  runNodeRequest,
} from '@passport-relay/core/adapter';
import type { Context, Middleware } from 'koa';
import type { KoaRelayOptions } from './options.js';

const WHERE = 'passportRelay (koa)';

/**
 * What the middleware puts on `ctx.state`: the verified passport, or `undefined` for an anonymous
 * caller. Give it to `new Koa<PassportState>()` (or intersect it with your own state) to type
 * `ctx.state.passport`.
 * @example
 * ```ts
 * const app = new Koa<PassportState<{ tenant: string }>>();
 * app.use((ctx) => {
 *   ctx.body = { tenant: ctx.state.passport?.tenant };
 * });
 * ```
 */
export interface PassportState<T extends object = PassportFields> {
  passport: Passport<T> | undefined;
}

/**
 * Create the inbound Koa middleware (Koa 3 and Koa 2): it verifies the request's passport with
 * `relay.extract()`, puts it on `ctx.state.passport`, and runs every middleware after it inside
 * `relay.runWith()`, so `relay.current()` returns the caller anywhere downstream, after any
 * number of `await`s. The request's and response's events are bound to the context too. A refused
 * request never reaches the next middleware.
 *
 * Options are validated here; a bad one throws `ERR_PASSPORT_OPTIONS` at start-up.
 *
 * @param relay The relay from `createRelay()`.
 * @param options See {@link KoaRelayOptions}.
 * @example
 * ```ts
 * import Koa from 'koa';
 * import { passportRelay, type PassportState } from '@passport-relay/koa';
 *
 * const app = new Koa<PassportState>();
 * app.use(passportRelay(relay, { required: (ctx) => ctx.path !== '/healthz' }));
 * app.use((ctx) => {
 *   ctx.body = { owner: ctx.state.passport?.sub };
 * });
 * ```
 */
export function passportRelay<T extends object = PassportFields>(
  relay: Relay<T>,
  options?: KoaRelayOptions,
): Middleware<PassportState<T>> {
  const { required, onRefusal } = inboundOptions<Context, 'throw'>(WHERE, relay, options, {
    throw: 'throw the PassportError',
  });

  return function passportRelayMiddleware(ctx, next) {
    const outcome = admit(relay, ctx.req.headers, required(ctx));
    if (isPassportError(outcome)) {
      if (onRefusal === 'throw') throw outcome;
      // Koa writes the response itself: hand it core's refusal, never a hand-made one.
      const refusal = refusalResponse(outcome);
      ctx.status = refusal.status;
      ctx.set(refusal.headers);
      ctx.body = refusal.body;
      return Promise.resolve();
    }
    ctx.state.passport = outcome.passport;
    return runNodeRequest(relay, outcome, ctx.req, ctx.res, next);
  };
}
