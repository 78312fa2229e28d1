import { badOption, refuse } from './errors.js';

/**
 * Remembers the `txn` of each accepted Transaction Token until it expires, and refuses one seen
 * before (draft-ietf-oauth-transaction-tokens §13.2). Per process, bounded: when full, expired entries
 * and then the oldest are dropped first.
 */
export class TxnReplayGuard {
  readonly #seen = new Map<string, number>();
  readonly #maxEntries: number;

  constructor(maxEntries: number, where: string) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1 || maxEntries > 10_000_000) {
      throw badOption(`${where} must be an integer from 1 to 10000000.`);
    }
    this.#maxEntries = maxEntries;
  }

  get size(): number {
    return this.#seen.size;
  }

  check(txn: string, exp: number, nowSeconds: number): void {
    const seenUntil = this.#seen.get(txn);
    if (seenUntil !== undefined && seenUntil >= nowSeconds) {
      throw refuse(
        'ERR_TXN_TOKEN_REPLAYED',
        'This transaction ("txn") was seen before by this workload: the Txn-Token is replayed.',
      );
    }
    if (this.#seen.size >= this.#maxEntries) this.#evict(nowSeconds);
    this.#seen.set(txn, exp);
  }

  /** Oldest first: insertion order approximates expiry order, since lifetimes are short. */
  #evict(nowSeconds: number): void {
    for (const [txn, exp] of this.#seen) {
      if (exp >= nowSeconds && this.#seen.size < this.#maxEntries) return;
      this.#seen.delete(txn);
      if (exp >= nowSeconds) return;
    }
  }
}
