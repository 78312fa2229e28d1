import type { PassportClaims } from '@passport-relay/core';
import { signJws } from './internal/jws.js';
import type { TestRelay } from './test-relay.js';

/**
 * Options of {@link agedPassport}.
 * @example
 * ```ts
 * agedPassport(test, { sub: 'u1' }, { issuedSecondsAgo: 900, lifetimeSeconds: 300 });
 * ```
 */
export interface AgedPassportOptions {
  /** How long ago it was issued (`iat = now - issuedSecondsAgo`). */
  readonly issuedSecondsAgo: number;
  /**
   * Its lifetime (`exp = iat + lifetimeSeconds`).
   * @default 300
   */
  readonly lifetimeSeconds?: number;
}

/**
 * A passport signed by the test relay's own key as if minted some time ago: what a message that
 * waited in a broker carries. Signed mode only.
 *
 * @example
 * ```ts
 * const test = createTestRelay();
 * // issued 15 minutes ago, expired 10 minutes ago:
 * const token = agedPassport(test, { sub: 'u1' }, { issuedSecondsAgo: 900 });
 * ```
 */
export function agedPassport(
  test: TestRelay,
  claims: PassportClaims,
  options: AgedPassportOptions,
): string {
  if (test.signingKey === undefined) {
    throw new Error('agedPassport needs a signed test relay (mode EdDSA or HS256).');
  }
  const iat = Math.floor(Date.now() / 1000) - options.issuedSecondsAgo;
  const exp = iat + (options.lifetimeSeconds ?? 300);
  const header =
    test.signingKey.kid === undefined
      ? { alg: test.signingKey.alg, typ: 'JWT' }
      : { alg: test.signingKey.alg, kid: test.signingKey.kid, typ: 'JWT' };
  return signJws(test.signingKey, header, { ...claims, iss: test.issuer, iat, exp });
}
