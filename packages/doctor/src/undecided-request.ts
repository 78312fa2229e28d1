/**
 * An outbound request made while a passport was in context that no passport-relay hook decided:
 * the client it came from, its method and origin. Never a header: a finding may be logged.
 * @example
 * ```ts
 * { client: 'node:http', method: 'GET', origin: 'http://orders:8080', path: '/orders' }
 * ```
 */
export interface UndecidedRequest {
  /** `node:http` (also `node:https`, got, node-fetch, axios's http adapter) or `undici` (fetch, npm undici). */
  readonly client: 'node:http' | 'undici';
  readonly method: string;
  /** `protocol//host[:port]` the request goes to. */
  readonly origin: string;
  /** The path without its query string (which may hold secrets). */
  readonly path: string;
}

/**
 * The `node:diagnostics_channel` name each finding is published on, with the
 * {@link UndecidedRequest} as the message.
 * @example
 * ```ts
 * import { subscribe } from 'node:diagnostics_channel';
 * subscribe(UNDECIDED_CHANNEL, (finding) => metrics.increment('passport.undecided'));
 * ```
 */
export const UNDECIDED_CHANNEL = 'passport-relay:undecided';
