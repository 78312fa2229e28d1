import { readFileSync } from 'node:fs';
import { createLocalJWKSet, type JWK, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, isPassportError, txnTokenCodec } from '../src/index.js';

/** docs/wire-format/txn-token-vectors.json, written by fixtures/make-txn-token-vectors.ts. */
const file = JSON.parse(
  readFileSync(
    new URL('../../../docs/wire-format/txn-token-vectors.json', import.meta.url),
    'utf8',
  ),
) as {
  now: number;
  trustDomain: string;
  clockToleranceSeconds: number;
  keys: { keys: JWK[] };
  vectors: {
    name: string;
    token: string;
    expect: { valid: boolean; claims?: Record<string, unknown>; code?: string };
  }[];
};

const codec = txnTokenCodec({
  trustDomain: file.trustDomain,
  keys: file.keys as never,
  clockToleranceSeconds: file.clockToleranceSeconds,
});

function outcome(token: string): { valid: boolean; code?: string } {
  try {
    codec.decode(token, DEFAULT_LIMITS, file.now);
    return { valid: true };
  } catch (error) {
    if (!isPassportError(error)) throw error;
    return { valid: false, code: error.code };
  }
}

describe('Transaction Token test vectors', () => {
  it('has valid and invalid vectors for every algorithm', () => {
    expect(file.vectors.filter((v) => v.expect.valid)).toHaveLength(4);
    expect(file.vectors.length).toBeGreaterThan(10);
  });

  for (const vector of file.vectors) {
    it(`${vector.name}: ${vector.expect.valid ? 'accepted' : vector.expect.code}`, () => {
      const { claims, ...expected } = vector.expect;
      expect(outcome(vector.token)).toEqual(expected);
      if (claims !== undefined) expect(codec.transactionOf(vector.token)).toEqual(claims);
    });
  }

  it('jose agrees on every valid vector, with typ checked', async () => {
    const keys = createLocalJWKSet(file.keys);
    for (const vector of file.vectors.filter((v) => v.expect.valid)) {
      const { payload } = await jwtVerify(vector.token, keys, {
        typ: 'txntoken+jwt',
        audience: file.trustDomain,
        currentDate: new Date(file.now * 1000),
        requiredClaims: ['exp', 'iat', 'txn', 'sub', 'scope', 'req_wl'],
      });
      expect(payload).toEqual(vector.expect.claims);
    }
  });
});
