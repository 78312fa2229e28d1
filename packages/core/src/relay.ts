import type { EncodeOptions, PassportCodec } from './codec.js';
import { asyncLocalContextStore, type ContextStore } from './context-store.js';
import {
  compileDestinationPolicy,
  DEFAULT_PROPAGATE_TO,
  type DestinationPolicy,
} from './destination-policy.js';
import { channels } from './diagnostics.js';
import { badOption, isPassportError, type PassportError, refuse } from './errors.js';
import { headerName, resolveForwardHeaders } from './forward-headers.js';
import type { Claims } from './internal/claims-json.js';
import { type PassportLimits, type ResolvedLimits, resolveLimits } from './limits.js';
import { checkOptions } from './option-checks.js';
import { type Destination, decideHop, publishInjected } from './outbound-decision.js';
import type { Passport, PassportClaims, PassportFields } from './passport.js';
import { RELAY_BRAND } from './relay-brand.js';
import type { OutboundHeaders, RelayContext } from './relay-context.js';
import { assertSynchronousSchema, type StandardSchemaV1, validateWithSchema } from './schema.js';
import { TtlCache } from './ttl-cache.js';

/**
 * Options of {@link createRelay}. Everything but `codec` has a default.
 *
 * @example
 * ```ts
 * const options: RelayOptions = { codec: signedCodec({ keys, issuer }), forwardHeaders: TRACING_HEADERS };
 * createRelay(options);
 * ```
 */
export interface RelayOptions<T extends object = PassportFields> {
  /**
   * How passports travel: `signedCodec({...})` (verify every hop) or `plainCodecTrustingMesh()`
   * (the mesh guarantees integrity). Required: there is no safe default.
   */
  readonly codec: PassportCodec;
  /**
   * The header that carries the passport, lower case on the wire.
   * @default "passport"
   */
  readonly header?: string;
  /**
   * Where outbound requests may carry the passport and forwarded headers: host names, `*.suffix`
   * wildcards, `*` (single-label hosts), IPs and CIDRs. Metadata and link-local addresses never.
   * @default DEFAULT_PROPAGATE_TO
   */
  readonly propagateTo?: readonly string[];
  /**
   * Extra inbound headers copied onto allowed outbound requests, e.g. `TRACING_HEADERS`.
   * @default []
   */
  readonly forwardHeaders?: readonly string[];
  /** A Standard Schema (zod, valibot, arktype, ...) the passport must satisfy; types `T`. */
  readonly schema?: StandardSchemaV1<unknown, T>;
  /** Size, claim-count and nesting bounds for inbound values. */
  readonly limits?: PassportLimits;
  /**
   * Verified passports remembered by exact value, never past their `exp`; `false` to verify every
   * request.
   * @default { maxEntries: 10000 }
   */
  readonly cache?: false | { readonly maxEntries?: number };
  /**
   * Where the current context lives.
   * @default asyncLocalContextStore()
   */
  readonly store?: ContextStore;
}

/**
 * Header values as Node, Fastify and message clients present them. Names are lower case.
 *
 * @example
 * ```ts
 * const carrier: HeaderCarrier = req.headers; // Node, Fastify, or message headers
 * relay.extract(carrier);
 * ```
 */
export type HeaderCarrier = {
  readonly [name: string]: string | readonly string[] | Buffer | number | undefined;
};

export type { Destination };

/**
 * How {@link Relay.propagate} reads and writes a client's header container.
 *
 * @example
 * ```ts
 * const access: HeaderAccess<Headers> = {
 *   has: (headers, name) => headers.has(name),
 *   set: (headers, name, value) => headers.set(name, value),
 * };
 * relay.propagate(url, request.headers, access);
 * ```
 */
export interface HeaderAccess<C> {
  has(carrier: C, name: string): boolean;
  set(carrier: C, name: string, value: string): void;
}

/**
 * Options of {@link Relay.extract}.
 *
 * @example
 * ```ts
 * relay.extract(req.headers, { required: true } satisfies ExtractOptions);
 * ```
 */
export interface ExtractOptions {
  /**
   * Refuse a request without a passport (`ERR_PASSPORT_MISSING`, 401).
   * @default false
   */
  readonly required?: boolean;
  /**
   * The instant (seconds since the epoch) at which the passport's `exp` and `nbf` are checked,
   * given the token and now. Signature, issuer, audience and schema are checked whatever it says.
   * Message consumers pass `messageConsumePolicy(...).checkTimeAt`; HTTP adapters leave it unset.
   * @default now
   */
  readonly checkTimeAt?: (token: string, nowSeconds: number) => number;
}

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

const KNOWN_OPTIONS = [
  'codec',
  'header',
  'propagateTo',
  'forwardHeaders',
  'schema',
  'limits',
  'cache',
  'store',
] as const;

const EMPTY: OutboundHeaders = Object.freeze([]);
/** Plain passports may carry no `exp`; remember them this long at most. */
const CACHE_WITHOUT_EXP_MS = 60_000;
const MAX_ORIGIN_MEMO = 1024;

class Context<T extends object> implements RelayContext<T> {
  #headers: OutboundHeaders | undefined;
  readonly #encode: (() => string | undefined) | undefined;
  readonly #header: string;

  constructor(
    readonly passport: Passport<T> | undefined,
    readonly token: string | undefined,
    readonly forwarded: OutboundHeaders,
    header: string,
    encode?: () => string | undefined,
  ) {
    this.#header = header;
    this.#encode = encode;
  }

  get headers(): OutboundHeaders {
    if (this.#headers === undefined) {
      const token = this.token ?? this.#encode?.();
      this.#headers =
        token === undefined
          ? this.forwarded
          : Object.freeze([[this.#header, token] as const, ...this.forwarded]);
    }
    return this.#headers;
  }
}

function firstValue(value: HeaderCarrier[string]): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  if (typeof value === 'number') return String(value);
  return value.length === 0 ? undefined : value.join(', ');
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
  checkOptions('createRelay', options, {
    known: KNOWN_OPTIONS,
    example: 'createRelay({ codec: signedCodec({ keys, issuer }) })',
    required: true,
  });
  const codec = options.codec;
  if (typeof codec?.decode !== 'function' || typeof codec.encode !== 'function') {
    throw badOption(
      'createRelay: "codec" is required: signedCodec({ keys, issuer }) to verify signatures, or plainCodecTrustingMesh() when an Istio mesh guarantees integrity.',
    );
  }
  const header = headerName(options.header ?? codec.header ?? 'passport', 'header');
  const forwardHeaders = resolveForwardHeaders(options.forwardHeaders, header);
  const policy = compileDestinationPolicy(options.propagateTo ?? DEFAULT_PROPAGATE_TO);
  const limits: ResolvedLimits = resolveLimits(options.limits);
  const schema = options.schema;
  if (schema !== undefined && typeof schema?.['~standard']?.validate !== 'function') {
    throw badOption(
      'createRelay: "schema" must be a Standard Schema (zod, valibot, arktype, ...).',
    );
  }
  if (schema !== undefined) assertSynchronousSchema(schema);
  const maxEntries =
    options.cache === false || codec.cacheable === false
      ? 0
      : (options.cache?.maxEntries ?? 10_000);
  if (!Number.isInteger(maxEntries) || maxEntries < 0 || maxEntries > 1_000_000) {
    throw badOption('createRelay: cache.maxEntries must be an integer from 0 to 1000000.');
  }
  const cache = new TtlCache<Passport<T>>(maxEntries);
  const store = options.store ?? asyncLocalContextStore(header);
  if (typeof store?.getStore !== 'function' || typeof store.run !== 'function') {
    throw badOption('createRelay: "store" must have getStore() and run(context, fn).');
  }
  const originDecisions = new Map<string, boolean>();

  function verify(value: string, checkTimeAt?: ExtractOptions['checkTimeAt']): Passport<T> {
    const nowMs = Date.now();
    const cached = cache.get(value, nowMs);
    if (cached !== undefined) return cached;
    const nowSeconds = Math.floor(nowMs / 1000);
    const at = checkTimeAt === undefined ? nowSeconds : checkTimeAt(value, nowSeconds);
    let claims: Claims = codec.decode(value, limits, at);
    if (schema !== undefined) claims = validateWithSchema(schema, claims);
    const passport = Object.isFrozen(claims) ? claims : Object.freeze(claims);
    const exp = passport.exp;
    // Valid at another instant is not valid now: only a check made now may be remembered.
    if (at !== nowSeconds) return passport as Passport<T>;
    cache.set(
      value,
      passport as Passport<T>,
      typeof exp === 'number' ? exp * 1000 : nowMs + CACHE_WITHOUT_EXP_MS,
      nowMs,
    );
    return passport as Passport<T>;
  }

  // A context per cached passport, when nothing else is forwarded: the same token always makes
  // the same immutable context (and outbound header list), so a cache hit allocates neither again.
  // Keyed by the cached passport object: one per token, gone when the cache drops it.
  const cachedContexts = new WeakMap<Passport<T>, Context<T>>();

  function contextOf(passport: Passport<T>, token: string, forwarded: OutboundHeaders): Context<T> {
    if (forwarded !== EMPTY || maxEntries === 0) {
      return new Context<T>(passport, token, forwarded, header);
    }
    let context = cachedContexts.get(passport);
    if (context === undefined) {
      context = new Context<T>(passport, token, forwarded, header);
      cachedContexts.set(passport, context);
    }
    return context;
  }

  function collectForwarded(carrier: HeaderCarrier): OutboundHeaders {
    if (forwardHeaders.length === 0) return EMPTY;
    const pairs: (readonly [string, string])[] = [];
    for (const name of forwardHeaders) {
      const value = firstValue(carrier[name]);
      if (value !== undefined && value !== '') pairs.push([name, value]);
    }
    return pairs.length === 0 ? EMPTY : Object.freeze(pairs);
  }

  function single(raw: HeaderCarrier[string]): string {
    if (Array.isArray(raw)) {
      if (raw.length > 1)
        throw refuse('ERR_PASSPORT_DUPLICATE', `More than one "${header}" header.`);
      raw = raw[0];
    }
    const value = firstValue(raw as HeaderCarrier[string]) ?? '';
    if (value.length > limits.maxHeaderBytes) {
      throw refuse(
        'ERR_PASSPORT_TOO_LARGE',
        `The "${header}" header is larger than ${limits.maxHeaderBytes} bytes.`,
      );
    }
    // Node joins repeated custom headers with ", "; neither codec's alphabet has a comma.
    if (value.includes(','))
      throw refuse('ERR_PASSPORT_DUPLICATE', `More than one "${header}" header.`);
    if (value === '') throw refuse('ERR_PASSPORT_MALFORMED', `The "${header}" header is empty.`);
    return value;
  }

  function hostOf(destination: Destination): string | undefined {
    if (typeof destination === 'string') return undefined;
    return destination.hostname;
  }

  function allows(destination: Destination): boolean {
    if (typeof destination !== 'string') return policy.allows(destination.hostname);
    const known = originDecisions.get(destination);
    if (known !== undefined) return known;
    let allowed = false;
    if (!destination.includes('/')) allowed = policy.allows(destination);
    else {
      try {
        allowed = policy.allows(new URL(destination).hostname);
      } catch {
        allowed = false;
      }
    }
    if (originDecisions.size >= MAX_ORIGIN_MEMO) originDecisions.clear();
    originDecisions.set(destination, allowed);
    return allowed;
  }

  function outboundHeaders(destination: Destination): OutboundHeaders | undefined {
    const context = store.getStore();
    if (context === undefined) return undefined;
    const headers = context.headers;
    if (headers.length === 0) return undefined;
    if (!allows(destination)) {
      if (channels.withheld.hasSubscribers) {
        channels.withheld.publish({
          destination: hostOf(destination) ?? String(destination),
          reason: 'destination-not-allowed',
        });
      }
      return undefined;
    }
    publishInjected(destination, headers);
    return headers;
  }

  function encoderFor(passport: Passport<T>): (() => string | undefined) | undefined {
    if (!codec.canEncode) return undefined;
    return () => codec.encode(passport, Math.floor(Date.now() / 1000));
  }

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

    currentContext() {
      return store.getStore() as RelayContext<T> | undefined;
    },

    current() {
      return store.getStore()?.passport as Passport<T> | undefined;
    },

    require() {
      const passport = store.getStore()?.passport as Passport<T> | undefined;
      if (passport === undefined) {
        throw refuse(
          'ERR_PASSPORT_MISSING',
          'This request carries no passport, and one is required.',
        );
      }
      return passport;
    },

    run(passport, fn) {
      if (
        passport !== undefined &&
        (typeof passport !== 'object' || typeof passport.sub !== 'string')
      ) {
        throw refuse(
          'ERR_PASSPORT_MALFORMED',
          'relay.run needs a passport with a "sub", or undefined.',
        );
      }
      const frozen =
        passport === undefined ? undefined : (Object.freeze({ ...passport }) as Passport<T>);
      const context = new Context<T>(
        frozen,
        undefined,
        EMPTY,
        header,
        frozen === undefined ? undefined : encoderFor(frozen),
      );
      return store.run(context as RelayContext, fn);
    },

    runWith(context, fn) {
      return store.run(context as RelayContext, fn);
    },

    bind(fn) {
      const context = store.getStore();
      if (context === undefined) return fn;
      return function bound(this: unknown, ...args: never[]) {
        // Already in the context (an emit from the handler itself): entering it again would only
        // allocate a new async context frame for nothing.
        if (store.getStore() === context) return fn.apply(this, args);
        return store.run(context, () => fn.apply(this, args));
      } as typeof fn;
    },

    extract(carrier, extractOptions) {
      try {
        const raw = carrier[header];
        const forwarded = collectForwarded(carrier);
        if (raw === undefined || (Array.isArray(raw) && raw.length === 0)) {
          if (extractOptions?.required === true) {
            throw refuse(
              'ERR_PASSPORT_MISSING',
              `This request has no "${header}" header, and one is required.`,
            );
          }
          return new Context<T>(undefined, undefined, forwarded, header);
        }
        const token = single(raw);
        const passport = verify(token, extractOptions?.checkTimeAt);
        if (channels.accepted.hasSubscribers) channels.accepted.publish({ passport });
        return contextOf(passport, token, forwarded);
      } catch (error) {
        if (isPassportError(error) && channels.refused.hasSubscribers) {
          channels.refused.publish({ error: error as PassportError });
        }
        throw error;
      }
    },

    inject(carrier) {
      const headers = store.getStore()?.headers ?? EMPTY;
      for (const [name, value] of headers) {
        if (carrier[name] === undefined) (carrier as Record<string, unknown>)[name] = value;
      }
      return carrier;
    },

    allows,
    outboundHeaders,

    propagate(destination, carrier, access) {
      const { add } = decideHop(relay, destination, { has: (name) => access.has(carrier, name) });
      for (const [name, value] of add) access.set(carrier, name, value);
      return add.length;
    },

    issue(claims, issueOptions) {
      return codec.encode(claims, Math.floor(Date.now() / 1000), issueOptions);
    },

    verify(value) {
      if (typeof value !== 'string') {
        throw refuse('ERR_PASSPORT_MALFORMED', 'A passport value must be a string.');
      }
      return verify(single(value));
    },
  };
  Object.defineProperty(relay, RELAY_BRAND, { value: true });
  return Object.freeze(relay);
}
