import type { HeaderCarrier, Relay } from '@passport-relay/core';

/**
 * Run `fn` as the caller of an inbound request that carried `inbound`, the way an inbound adapter
 * does: the headers go through `relay.extract` (verified, forwarded headers collected) and `fn`
 * runs in that context. `inbound` is the passport value, or the request's headers when forwarded
 * headers (`x-request-id`, ...) matter. Throws the relay's refusal for a bad passport.
 *
 * @example
 * ```ts
 * const token = relay.issue({ sub: 'user-1' });
 * await runAsCaller(relay, token, () => fetch(`${server.origin}/orders`));
 * await runAsCaller(relay, { passport: token, 'x-request-id': 'req-1' }, () => callOrders());
 * ```
 */
export function runAsCaller<R, T extends object>(
  relay: Relay<T>,
  inbound: string | HeaderCarrier,
  fn: () => R,
): R {
  const headers = typeof inbound === 'string' ? { [relay.header]: inbound } : inbound;
  return relay.runWith(relay.extract(headers), fn);
}
