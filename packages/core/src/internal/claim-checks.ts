import { refuse } from '../errors.js';
import type { Claims } from './claims-json.js';

/**
 * The checks every codec shares, with jose's semantics so that passport-relay accepts and refuses
 * exactly what a standard JOSE library would: `exp <= now - tolerance` is expired, `nbf > now +
 * tolerance` is not yet valid, time claims must be numbers.
 */
export function checkTimeClaims(
  claims: Claims,
  nowSeconds: number,
  toleranceSeconds: number,
  requireExp: boolean,
): void {
  const { exp, nbf, iat } = claims;
  if (exp === undefined) {
    if (requireExp) throw refuse('ERR_PASSPORT_CLAIM_INVALID', 'The passport has no "exp" claim.');
  } else if (typeof exp !== 'number' || !Number.isFinite(exp)) {
    throw refuse('ERR_PASSPORT_CLAIM_INVALID', 'The passport "exp" claim is not a number.');
  } else if (exp <= nowSeconds - toleranceSeconds) {
    throw refuse('ERR_PASSPORT_EXPIRED', 'The passport has expired.');
  }
  if (nbf !== undefined) {
    if (typeof nbf !== 'number' || !Number.isFinite(nbf)) {
      throw refuse('ERR_PASSPORT_CLAIM_INVALID', 'The passport "nbf" claim is not a number.');
    }
    if (nbf > nowSeconds + toleranceSeconds) {
      throw refuse('ERR_PASSPORT_NOT_YET_VALID', 'The passport is not valid yet ("nbf").');
    }
  }
  if (iat !== undefined && (typeof iat !== 'number' || !Number.isFinite(iat))) {
    throw refuse('ERR_PASSPORT_CLAIM_INVALID', 'The passport "iat" claim is not a number.');
  }
}

/** A passport always names its caller. */
export function checkSubject(claims: Claims): void {
  if (typeof claims.sub !== 'string' || claims.sub.length === 0) {
    throw refuse('ERR_PASSPORT_CLAIM_INVALID', 'The passport has no "sub" (the caller).');
  }
}

export function checkIssuer(claims: Claims, issuer: string | undefined): void {
  if (issuer !== undefined && claims.iss !== issuer) {
    throw refuse(
      'ERR_PASSPORT_CLAIM_INVALID',
      'The passport "iss" claim is not the expected issuer.',
    );
  }
}

export function checkAudience(claims: Claims, audience: readonly string[] | undefined): void {
  if (audience === undefined) return;
  const { aud } = claims;
  const granted = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
  if (!granted.some((value) => typeof value === 'string' && audience.includes(value))) {
    throw refuse(
      'ERR_PASSPORT_CLAIM_INVALID',
      'The passport "aud" claim is not for this audience.',
    );
  }
}
