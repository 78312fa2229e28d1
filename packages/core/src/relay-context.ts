import type { Passport, PassportFields } from './passport.js';

/**
 * Header pairs to put on an outbound request, in order: the passport first, then forwarded ones.
 *
 * @example
 * ```ts
 * for (const [name, value] of relay.outboundHeaders(url) ?? []) headers.set(name, value);
 * ```
 */
export type OutboundHeaders = readonly (readonly [name: string, value: string])[];

/**
 * What the relay remembers about the request being served: the verified passport (or none), the
 * exact value it arrived as (sent on verbatim so downstream caches stay warm), and the forwarded
 * headers. Created by `relay.extract()` or `relay.run()`; entered with `relay.runWith()`.
 *
 * @example
 * ```ts
 * const context: RelayContext | undefined = relay.currentContext();
 * context?.forwarded; // [['x-request-id', 'r-1']]
 * ```
 */
export interface RelayContext<T extends object = PassportFields> {
  readonly passport: Passport<T> | undefined;
  /** The passport header value as received, when the passport came from a request. */
  readonly token: string | undefined;
  /** Headers named in `forwardHeaders`, as received. */
  readonly forwarded: OutboundHeaders;
  /** Everything an allowed outbound request receives. Computed once per context. */
  readonly headers: OutboundHeaders;
}
