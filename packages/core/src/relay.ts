import type { EncodeOptions } from './codec.js';
import type { DestinationPolicy } from './destination-policy.js';
import type { Passport, PassportClaims, PassportFields } from './passport.js';
import { RELAY_BRAND } from './relay-brand.js';
import { contextOperations, type OutboundHeaders, type RelayContext } from './relay-context.js';
import { type ExtractOptions, type HeaderCarrier, inboundSide } from './relay-inbound.js';
import { type RelayOptions, resolveRelayOptions } from './relay-options.js';
import { type Destination, type HeaderAccess, outboundSide, propagate } from './relay-outbound.js';

// The relay is assembled from its parts, one concept per file: options (relay-options.ts), the
// context on its store (relay-context.ts), inbound (relay-inbound.ts), outbound (relay-outbound.ts).
export type { Destination, ExtractOptions, HeaderAccess, HeaderCarrier, RelayOptions };

/**
 * The object every adapter receives: it owns the context, makes the inbound decision (headers in,
 * passport or refusal out) and the outbound decision (destination in, headers or none out).
 *
 * @example
 * ```ts
 * const relay: Relay<{ tenant: string }> = createRelay({ codec, schema });
 * relay.current()?.tenant;
 * ```
 */
export interface Relay<T extends object = PassportFields> {
  /** The passport header name (lower case). */
  readonly header: string;
  /** `signed` or `plain`, from the codec. */
  readonly mode: 'signed' | 'plain';
  /** The forwarded header names (lower case). */
  readonly forwardHeaders: readonly string[];
  /** The compiled `propagateTo` policy. */
  readonly policy: DestinationPolicy;
  /** Entries in the verification cache now, and its bound. */
  readonly cache: { readonly size: number; readonly maxEntries: number };
  /** Whether {@link Relay.issue} can mint: plain mode, or signed mode with a signing key. */
  readonly canIssue: boolean;

  /**
   * The caller's passport, or `undefined` outside a request or for an anonymous one.
   * @example
   * ```ts
   * const userId = relay.current()?.sub;
   * ```
   */
  current(): Passport<T> | undefined;
  /**
   * The caller's passport; throws `ERR_PASSPORT_MISSING` (401) when there is none.
   * @example
   * ```ts
   * const { sub, tenant } = relay.require();
   * ```
   */
  require(): Passport<T>;
  /**
   * The current request's whole context (passport, forwarded headers, the headers an allowed
   * destination receives), or `undefined` outside any context.
   * @example
   * ```ts
   * const headers = relay.currentContext()?.headers ?? [];
   * ```
   */
  currentContext(): RelayContext<T> | undefined;
  /**
   * Run `fn` as `passport` (or as nobody with `undefined`): for jobs, scripts and tests. Outbound
   * calls made inside carry it (encoded by the codec; signed mode needs a signing key).
   * @example
   * ```ts
   * await relay.run({ sub: 'user-1' }, () => fetch('http://orders/'));
   * ```
   */
  run<R>(passport: PassportClaims<T> | undefined, fn: () => R): R;
  /**
   * Run `fn` in a context from {@link Relay.extract}. Adapters call this once per request.
   */
  runWith<R>(context: RelayContext<T>, fn: () => R): R;
  /**
   * Bind `fn` to the current context, for callbacks run later by queues, emitters or pools.
   * Outside any context it returns `fn` itself, so `relay.bind(fn) === fn` tells a caller that
   * there was no context to capture.
   * @example
   * ```ts
   * emitter.on('done', relay.bind(() => audit(relay.current())));
   * ```
   */
  bind<F extends (...args: never[]) => unknown>(fn: F): F;
  /**
   * The inbound decision: verify the passport in `carrier` (request or message headers) and collect
   * the forwarded headers. Throws a `PassportError` on refusal.
   * @example
   * ```ts
   * const context = relay.extract(req.headers, { required: true });
   * relay.runWith(context, next);
   * ```
   */
  extract(carrier: HeaderCarrier, options?: ExtractOptions): RelayContext<T>;
  /**
   * Write the current passport and forwarded headers into message headers (Kafka, AMQP, job data),
   * where a header is not set already. Returns `carrier`. No destination policy applies: call it
   * only for your own infrastructure.
   */
  inject<C extends Record<string, unknown>>(carrier: C): C;
  /** Whether `destination` may receive the passport under `propagateTo`. */
  allows(destination: Destination): boolean;
  /**
   * The outbound decision: the headers to add for `destination`, or `undefined` when there is no
   * context, nothing to send, or the destination is not allowed.
   */
  outboundHeaders(destination: Destination): OutboundHeaders | undefined;
  /**
   * The outbound decision applied to a client's header container: sets each header the caller did
   * not set explicitly. Returns how many headers were added.
   */
  propagate<C>(destination: Destination, carrier: C, access: HeaderAccess<C>): number;
  /**
   * Mint a passport value (needs a codec that can encode: a signing key in signed mode).
   * `expiresAtMost` caps `exp`, e.g. at the user token's own expiry.
   * @example
   * ```ts
   * const value = relay.issue({ sub: 'user-1', roles: ['admin'] }, { expiresAtMost: userToken.exp });
   * ```
   */
  issue(claims: PassportClaims<T>, options?: EncodeOptions): string;
  /** Verify one passport value (no context involved). Throws a `PassportError` on refusal. */
  verify(value: string): Passport<T>;
}

/**
 * Create the relay: validate every option once, compile the destination policy, pick the store.
 * A bad option throws `ERR_PASSPORT_OPTIONS` here, at start-up, with a message that says how to
 * fix it.
 *
 * @example
 * ```ts
 * import { createRelay, signedCodec, TRACING_HEADERS } from '@passport-relay/core';
 *
 * export const relay = createRelay({
 *   codec: signedCodec({ issuer: 'https://edge.example', keys: jwks }),
 *   forwardHeaders: TRACING_HEADERS,
 * });
 * ```
 */
export function createRelay<T extends object = PassportFields>(options: RelayOptions<T>): Relay<T> {
  const resolved = resolveRelayOptions(options);
  const { codec, header, forwardHeaders, policy, maxEntries, store } = resolved;
  const { cache, ...inbound } = inboundSide(resolved);

  const relay: Relay<T> = {
    header,
    mode: codec.mode,
    canIssue: codec.canEncode,
    forwardHeaders,
    policy,
    cache: {
      get size() {
        return cache.size;
      },
      maxEntries,
    },
    ...contextOperations<T>(store, header, codec),
    ...inbound,
    ...outboundSide<T>(store, policy),

    propagate(destination, carrier, access) {
      return propagate(relay, destination, carrier, access);
    },

    issue(claims, issueOptions) {
      return codec.encode(claims, Math.floor(Date.now() / 1000), issueOptions);
    },
  };
  Object.defineProperty(relay, RELAY_BRAND, { value: true });
  return Object.freeze(relay);
}
