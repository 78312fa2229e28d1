import {
  PassportError,
  type PassportFields,
  type Relay,
  type RelayContext,
} from '@passport-relay/core';
import { decideHop } from '@passport-relay/core/adapter';
import type { Dispatcher } from 'undici';
import { OutboundHeaderCarrier } from './internal/outbound-header-carrier.js';
import { legacyRedirectGuard, RedirectGuard } from './internal/redirect-guard.js';

type Decide = (origin: string | URL, headers: unknown) => OutboundHeaderCarrier;

/** Throws `ERR_PASSPORT_OPTIONS` unless `relay` is a relay from `createRelay`. */
export function assertRelay(relay: unknown, where: string): asserts relay is Relay<object> {
  const candidate = relay as Partial<Relay<object>> | null | undefined;
  if (typeof candidate?.propagate !== 'function' || typeof candidate.bind !== 'function') {
    throw new PassportError(
      'ERR_PASSPORT_OPTIONS',
      `${where} needs the relay made by createRelay({ codec, ... }) from @passport-relay/core.`,
    );
  }
}

/**
 * An undici interceptor that puts the caller's passport, and the relay's forwarded headers, on
 * every outbound request to a destination the relay allows (`propagateTo`). Compose it with
 * `Dispatcher.compose` on an `Agent`, `Pool` or `Client`.
 *
 * - The context is read when the request is dispatched, in the caller's async context, so a request
 *   queued behind a `connections` limit still carries its own caller's passport.
 * - A header the caller set explicitly (any case, any header shape undici accepts) wins; the
 *   caller's header object is never mutated.
 * - Redirect and retry hops that come back through this interceptor are decided per hop, for the
 *   hop's origin, with the context of the original dispatch.
 * - A request without `opts.origin` (e.g. `pool.request({ path })`) carries nothing: the
 *   destination cannot be checked. Pass `origin`, or call `request(url, { dispatcher })`.
 *
 * Order matters: list it *before* `interceptors.redirect` (so each hop is decided again) and
 * *after* `interceptors.deduplicate` and `interceptors.cache` (so their keys see the passport). If a
 * redirect is followed inside it anyway, the hop is aborted with `ERR_PASSPORT_OPTIONS` instead of
 * sending the passport to an unchecked host.
 *
 * @param relay - the relay from `createRelay` (or `createTestRelay().relay`).
 * @returns an interceptor for `dispatcher.compose(...)`.
 * @example
 * ```ts
 * import { Agent, interceptors, request } from 'undici';
 * import { passportInterceptor } from '@passport-relay/undici';
 *
 * const dispatcher = new Agent({ connections: 16 }).compose(
 *   passportInterceptor(relay),
 *   interceptors.redirect({ maxRedirections: 5 }),
 * );
 * await request('http://orders.shop.svc.cluster.local/orders', { dispatcher });
 * ```
 */
export function passportInterceptor<T extends object = PassportFields>(
  relay: Relay<T>,
): Dispatcher.DispatcherComposeInterceptor {
  assertRelay(relay, 'passportInterceptor(relay)');
  // core's decision for the hop, with the carrier as the request it asks about (no adapter object).
  const decide: Decide = (origin, headers) => {
    const carrier = new OutboundHeaderCarrier(headers);
    carrier.add(decideHop(relay, origin, carrier).add);
    return carrier;
  };
  /**
   * Per handler, the context of its first dispatch (`null`: there was none). Redirect and retry
   * handlers dispatch their next hop from socket callbacks, where the current context belongs to
   * whoever owns the socket; they pass the same handler, so the hop is decided with its own
   * caller's context. The context itself is kept, not a function bound to it: a bound closure per
   * request was garbage on every call.
   */
  const firstDispatch = new WeakMap<object, RelayContext<T> | null>();

  return (dispatch) =>
    function passportRelay(opts, handler) {
      // Not ours to validate: undici answers malformed calls with its own errors.
      if (
        typeof handler !== 'object' ||
        handler === null ||
        typeof opts !== 'object' ||
        opts === null
      ) {
        return dispatch(opts, handler);
      }
      let context = firstDispatch.get(handler);
      if (context === undefined) {
        context = relay.currentContext() ?? null;
        firstDispatch.set(handler, context);
      }
      const origin = opts.origin;
      // No context, or one with nothing to forward: no decision, no carrier, the call as it is.
      if (
        context === null ||
        context.headers.length === 0 ||
        origin === undefined ||
        origin === null
      ) {
        return dispatch(opts, handler);
      }
      const carrier =
        relay.currentContext() === context
          ? decide(origin, opts.headers)
          : relay.runWith(context, () => decide(origin, opts.headers));
      if (!carrier.changed) return dispatch(opts, handler);
      const headers = carrier.result() as NonNullable<Dispatcher.DispatchOptions['headers']>;
      if (carrier.added === 0) return dispatch({ ...opts, headers }, handler);
      const guarded =
        typeof handler.onRequestStart === 'function'
          ? new RedirectGuard(handler)
          : legacyRedirectGuard(handler);
      return dispatch({ ...opts, headers }, guarded);
    };
}
