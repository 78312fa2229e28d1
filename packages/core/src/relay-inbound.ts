import { channels } from './diagnostics.js';
import { isPassportError, type PassportError, refuse } from './errors.js';
import type { Claims } from './internal/claims-json.js';
import type { Passport } from './passport.js';
import type { Relay } from './relay.js';
import { Context, EMPTY, type OutboundHeaders } from './relay-context.js';
import type { ResolvedRelayOptions } from './relay-options.js';
import { validateWithSchema } from './schema.js';
import { TtlCache } from './ttl-cache.js';

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

/** Plain passports may carry no `exp`; remember them this long at most. */
const CACHE_WITHOUT_EXP_MS = 60_000;

/** How many of a signed value's last characters make its cache key. */
const SIGNATURE_TAIL = 32;

/**
 * The verification cache's key for a signed value: a number made of its last characters, which
 * are its signature's. A JWT is 300–800 characters, each request brings it as a new string, and
 * V8 hashes a string one character at a time to look it up (4k instructions per request on Node
 * 24, bench/results/cuts.md); this reads 32. The entry keeps the whole value and only an
 * identical one is served, so two values with one key cost a verification, never a wrong
 * passport. 30 bits: always a small integer, which V8 keeps unboxed.
 */
function signedCacheKey(value: string): number {
  let hash = 0x811c9dc5; // FNV-1a
  for (let i = Math.max(0, value.length - SIGNATURE_TAIL); i < value.length; i++) {
    hash = Math.imul(hash ^ value.charCodeAt(i), 0x01000193);
  }
  return (hash ^ value.length) & 0x3fffffff;
}

/** A cache entry: the passport and the exact value it was verified from. */
interface Verified<T extends object> {
  readonly value: string;
  readonly passport: Passport<T>;
}

function firstValue(value: HeaderCarrier[string]): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  if (typeof value === 'number') return String(value);
  return value.length === 0 ? undefined : value.join(', ');
}

/**
 * The relay's inbound side: read the passport header (one value, bounded), verify it through the
 * codec and schema, remember verified passports in the bounded cache, and collect the forwarded
 * headers into a context.
 */
export function inboundSide<T extends object>({
  codec,
  header,
  forwardHeaders,
  limits,
  schema,
  maxEntries,
}: ResolvedRelayOptions<T>): Pick<Relay<T>, 'extract' | 'verify'> & {
  readonly cache: TtlCache<Verified<T>, number | string>;
} {
  const cache = new TtlCache<Verified<T>, number | string>(maxEntries);
  // Plain values carry no signature, and their tails can be the same for many users (the same
  // last claims): they are keyed whole.
  const cacheKey = codec.mode === 'signed' ? signedCacheKey : (value: string) => value;

  function verify(value: string, checkTimeAt?: ExtractOptions['checkTimeAt']): Passport<T> {
    const nowMs = Date.now();
    const key = cacheKey(value);
    const cached = cache.get(key, nowMs);
    if (cached !== undefined && cached.value === value) return cached.passport;
    const nowSeconds = Math.floor(nowMs / 1000);
    const at = checkTimeAt === undefined ? nowSeconds : checkTimeAt(value, nowSeconds);
    let claims: Claims = codec.decode(value, limits, at);
    if (schema !== undefined) claims = validateWithSchema(schema, claims);
    const passport = Object.isFrozen(claims) ? claims : Object.freeze(claims);
    const exp = passport.exp;
    // Valid at another instant is not valid now: only a check made now may be remembered.
    if (at !== nowSeconds) return passport as Passport<T>;
    cache.set(
      key,
      { value, passport: passport as Passport<T> },
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

  return {
    cache,

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

    verify(value) {
      if (typeof value !== 'string') {
        throw refuse('ERR_PASSPORT_MALFORMED', 'A passport value must be a string.');
      }
      return verify(single(value));
    },
  };
}
