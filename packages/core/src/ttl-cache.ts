/**
 * Options of {@link TtlCache}.
 *
 * @example
 * ```ts
 * new TtlCache<string>(1000, { evict: 'use' } satisfies TtlCacheOptions);
 * ```
 */
export interface TtlCacheOptions {
  /**
   * Which entry goes first when the cache is full: the oldest inserted (`'insertion'`, the cheapest
   * read) or the least recently read (`'use'`).
   * @default 'insertion'
   */
  readonly evict?: 'insertion' | 'use';
}

/**
 * The one bounded, time-limited cache core and the adapters use (verified passports by exact
 * value, minted passports by user token, and the memos of decisions keyed by strings a caller
 * chooses: destination hosts, JWS headers): at most `maxEntries` entries, and an entry is never
 * served at or past its own expiry. An entry set to expire at `Infinity` stays until a newer one
 * pushes it out. `maxEntries` 0 turns it off.
 *
 * @example
 * ```ts
 * const cache = new TtlCache<Passport>(10_000);
 * cache.set(token, passport, passport.exp * 1000);
 * cache.get(token, Date.now()); // the passport, until its exp
 * ```
 */
export class TtlCache<V, K = string> {
  readonly #entries = new Map<K, { readonly value: V; readonly expiresAtMs: number }>();
  readonly #refreshOnRead: boolean;
  readonly maxEntries: number;

  constructor(maxEntries: number, options: TtlCacheOptions = {}) {
    this.maxEntries = maxEntries;
    this.#refreshOnRead = options.evict === 'use';
  }

  /** Entries held now, expired ones not yet read included. */
  get size(): number {
    return this.#entries.size;
  }

  /** The value for `key`, or `undefined` when there is none or it expired by `nowMs`. */
  get(key: K, nowMs = Date.now()): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (nowMs >= entry.expiresAtMs) {
      this.#entries.delete(key);
      return undefined;
    }
    if (this.#refreshOnRead) {
      this.#entries.delete(key);
      this.#entries.set(key, entry);
    }
    return entry.value;
  }

  /** Remember `value` until `expiresAtMs`; nothing when it has expired by `nowMs` already. */
  set(key: K, value: V, expiresAtMs: number, nowMs = Date.now()): void {
    if (this.maxEntries === 0 || expiresAtMs <= nowMs) return;
    this.#entries.delete(key);
    if (this.#entries.size >= this.maxEntries) {
      this.#entries.delete(this.#entries.keys().next().value as K);
    }
    this.#entries.set(key, { value, expiresAtMs });
  }

  clear(): void {
    this.#entries.clear();
  }
}
