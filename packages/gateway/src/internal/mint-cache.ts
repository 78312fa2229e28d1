/** A passport minted for one user token, and until when it may be handed out again. */
export interface MintedPassport {
  readonly value: string;
  readonly expiresAtMs: number;
}

/**
 * Minted passports by exact user token. Bounded (least recently used out first) and time-limited:
 * an entry is never served at or past its `expiresAtMs`, which the gateway sets to the earlier of
 * the user token's `exp` and the passport's `exp` minus a margin.
 */
export class MintCache {
  readonly #entries = new Map<string, MintedPassport>();
  readonly maxEntries: number;

  constructor(maxEntries: number) {
    this.maxEntries = maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(token: string, nowMs: number): string | undefined {
    const entry = this.#entries.get(token);
    if (entry === undefined) return undefined;
    this.#entries.delete(token);
    if (nowMs >= entry.expiresAtMs) return undefined;
    this.#entries.set(token, entry);
    return entry.value;
  }

  set(token: string, value: string, expiresAtMs: number, nowMs: number): void {
    if (this.maxEntries === 0 || expiresAtMs <= nowMs) return;
    this.#entries.delete(token);
    if (this.#entries.size >= this.maxEntries) {
      this.#entries.delete(this.#entries.keys().next().value as string);
    }
    this.#entries.set(token, { value, expiresAtMs });
  }
}
