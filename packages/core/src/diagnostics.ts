import { channel } from 'node:diagnostics_channel';

/**
 * `node:diagnostics_channel` names the relay publishes on. Nothing is logged by default; subscribe
 * to observe. Messages never contain the token.
 *
 * - `accepted`: `{ passport }` after an inbound passport is verified
 * - `refused`: `{ error }` when an inbound value is refused
 * - `injected`: `{ destination, headers }` (header names) when an outbound request gets headers
 * - `withheld`: `{ destination, reason }` when the relay's headers were not added to an outbound
 *   request: `'destination-not-allowed'` (off the list), or `'caller-set'` (the caller's own
 *   headers were already there and win)
 * - `keys`: `{ url, kids }` when a remote JWKS brings a new key set; `{ url, kids, error }` when a
 *   fetch failed (the `kids` still trusted are the last good ones)
 * - `failed`: `{ error }` when a request was answered with a server-side error (misconfiguration,
 *   keys unavailable); the response carries a generic detail, this message the cause
 *
 * @example
 * ```ts
 * import { subscribe } from 'node:diagnostics_channel';
 * subscribe(DIAGNOSTICS_CHANNELS.refused, ({ error }) => log.warn(error.code));
 * ```
 */
export const DIAGNOSTICS_CHANNELS = Object.freeze({
  accepted: 'passport-relay:accepted',
  refused: 'passport-relay:refused',
  injected: 'passport-relay:injected',
  withheld: 'passport-relay:withheld',
  keys: 'passport-relay:keys',
  failed: 'passport-relay:failed',
} as const);

export const channels = {
  accepted: channel(DIAGNOSTICS_CHANNELS.accepted),
  refused: channel(DIAGNOSTICS_CHANNELS.refused),
  injected: channel(DIAGNOSTICS_CHANNELS.injected),
  withheld: channel(DIAGNOSTICS_CHANNELS.withheld),
  keys: channel(DIAGNOSTICS_CHANNELS.keys),
  failed: channel(DIAGNOSTICS_CHANNELS.failed),
};
