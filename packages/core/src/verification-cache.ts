/**
 * Verified passports by exact header value. Bounded (oldest out first) and time-limited: an entry
 * is never served past the passport's own `exp`.
 */
export class VerificationCache<V> {
  readonly #entries = new Map<string, { value: V; expiresAtMs: number }>();
  readonly maxEntries: number;

  constructor(maxEntries: number) {
    this.maxEntries = maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(token: string, nowMs: number): V | undefined {
    const entry = this.#entries.get(token);
    if (entry === undefined) return undefined;
    if (nowMs >= entry.expiresAtMs) {
      this.#entries.delete(token);
      return undefined;
    }
    return entry.value;
  }

  set(token: string, value: V, expiresAtMs: number): void {
    if (this.maxEntries === 0) return;
    if (this.#entries.size >= this.maxEntries && !this.#entries.has(token)) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
    this.#entries.set(token, { value, expiresAtMs });
  }

  clear(): void {
    this.#entries.clear();
  }
}
