import {
  isPassportError,
  type Passport,
  type PassportFields,
  type Relay,
  refusalResponse,
} from '@passport-relay/core';
import type { Middleware } from 'koa';
import { resolveOptions } from './internal/resolve-options.js';
import type { KoaRelayOptions } from './options.js';

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
  const { required, onRefusal } = resolveOptions(relay, options);

  return function passportRelayMiddleware(ctx, next) {
    let context: ReturnType<Relay<T>['extract']>;
    try {
      context = relay.extract(ctx.req.headers, { required: required(ctx) });
    } catch (error) {
      if (!isPassportError(error) || onRefusal === 'throw') throw error;
      const refusal = refusalResponse(error);
      ctx.status = refusal.status;
      ctx.set(refusal.headers);
      ctx.body = refusal.body;
      return Promise.resolve();
    }
    ctx.state.passport = context.passport;
    return relay.runWith(context, () => {
      // Stream events fire in the HTTP parser's async scope: bind them so a body read with
      // ctx.req.on('data') or a ctx.res.on('finish') access log still sees the caller.
      ctx.req.emit = relay.bind(ctx.req.emit);
      ctx.res.emit = relay.bind(ctx.res.emit);
      return next();
    });
  };
}
