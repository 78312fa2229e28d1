import { PassportError, type PassportErrorCode } from '@passport-relay/core';
import {
  type CryptoKey,
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import type { UserTokenAlgorithm } from '../gateway-options.js';
import { GatewayRefusal } from '../gateway-refusal.js';
import type { UserClaims } from '../user-claims.js';

/** Where the user token's keys come from, after validation. */
export type KeySource =
  | {
      readonly kind: 'remote';
      readonly url: URL;
      readonly timeoutMs: number;
      readonly cooldownMs: number;
      readonly maxAgeMs: number;
      readonly headers: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'local'; readonly jwks: { readonly keys: readonly object[] } };

/** What a user token is checked against. */
export interface UserTokenPolicy {
  readonly keys: KeySource;
  readonly issuer: readonly string[];
  readonly audience: readonly string[];
  readonly algorithms: readonly UserTokenAlgorithm[];
  readonly clockToleranceSeconds: number;
}

/** Thrown by the key source when the JWKS cannot be had; becomes a 503, never a refusal. */
class KeysUnavailable extends Error {}

/** Errors from the key source that are about the token (its `kid` or `alg`), not the JWKS. */
const TOKEN_KEY_ERRORS = new Set<string>([
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
  'ERR_JOSE_NOT_SUPPORTED',
]);

function keysUnavailable(cause: unknown): PassportError {
  return new PassportError(
    'ERR_PASSPORT_UNAVAILABLE',
    "The identity provider's signing keys could not be loaded; try again later.",
    { cause },
  );
}

function refusal(code: PassportErrorCode, message: string, cause: unknown): GatewayRefusal {
  return new GatewayRefusal(code, message, { cause, bearerError: 'invalid_token' });
}

function claimRefusal(error: errors.JWTClaimValidationFailed): GatewayRefusal {
  switch (error.claim) {
    case 'nbf':
      return refusal('ERR_PASSPORT_NOT_YET_VALID', 'The bearer token is not valid yet.', error);
    case 'iss':
      return refusal(
        'ERR_PASSPORT_CLAIM_INVALID',
        'The bearer token comes from an issuer this gateway does not trust.',
        error,
      );
    case 'aud':
      return refusal(
        'ERR_PASSPORT_CLAIM_INVALID',
        'The bearer token is meant for another audience.',
        error,
      );
    case 'exp':
      return refusal(
        'ERR_PASSPORT_CLAIM_INVALID',
        'The bearer token has no valid "exp" claim; tokens must expire.',
        error,
      );
    default:
      return refusal(
        'ERR_PASSPORT_CLAIM_INVALID',
        `The bearer token's "${error.claim.replace(/[^a-z0-9_-]/gi, '')}" claim is not accepted.`,
        error,
      );
  }
}

/** Map whatever verification threw to a refusal (the token's fault) or a 503 (the JWKS's). */
function translate(error: unknown, algorithms: readonly string[]): Error {
  if (error instanceof KeysUnavailable) return keysUnavailable(error.cause);
  if (!(error instanceof errors.JOSEError)) {
    return refusal('ERR_PASSPORT_MALFORMED', 'The bearer token is not a valid signed JWT.', error);
  }
  switch (error.code) {
    case 'ERR_JWT_EXPIRED':
      return refusal('ERR_PASSPORT_EXPIRED', 'The bearer token has expired.', error);
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return claimRefusal(error as errors.JWTClaimValidationFailed);
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return refusal(
        'ERR_PASSPORT_SIGNATURE',
        'The bearer token signature does not verify.',
        error,
      );
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return refusal(
        'ERR_PASSPORT_ALGORITHM',
        `The bearer token algorithm is not allowed here (allowed: ${algorithms.join(', ')}).`,
        error,
      );
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return refusal(
        'ERR_PASSPORT_KEY_UNKNOWN',
        'The bearer token was signed with a key the identity provider does not publish.',
        error,
      );
    default:
      return refusal(
        'ERR_PASSPORT_MALFORMED',
        'The bearer token is not a valid signed JWT.',
        error,
      );
  }
}

function keyResolver(source: KeySource): JWTVerifyGetKey {
  const keys =
    source.kind === 'remote'
      ? createRemoteJWKSet(source.url, {
          timeoutDuration: source.timeoutMs,
          cooldownDuration: source.cooldownMs,
          cacheMaxAge: source.maxAgeMs,
          headers: { ...source.headers },
        })
      : createLocalJWKSet(source.jwks as Parameters<typeof createLocalJWKSet>[0]);
  return async (protectedHeader, token) => {
    try {
      return await keys(protectedHeader, token);
    } catch (error) {
      if (error instanceof errors.JOSEError && TOKEN_KEY_ERRORS.has(error.code)) throw error;
      throw new KeysUnavailable('JWKS unavailable', { cause: error });
    }
  };
}

/**
 * A function that verifies a user token with jose (signature from the JWKS, pinned algorithms,
 * `iss`, `aud`, `exp` required, `nbf`) and returns its claims, or throws a `GatewayRefusal`.
 */
export function userTokenVerifier(policy: UserTokenPolicy): (token: string) => Promise<UserClaims> {
  const getKey = keyResolver(policy.keys);
  const verifyOptions = {
    issuer: [...policy.issuer],
    audience: [...policy.audience],
    algorithms: [...policy.algorithms],
    clockTolerance: policy.clockToleranceSeconds,
    requiredClaims: ['exp'],
  };
  // Several keys match when the token has no `kid` (or the JWKS repeats one): try each in turn.
  async function verifyWithCandidates(token: string, candidates: AsyncIterable<CryptoKey>) {
    for await (const key of candidates) {
      try {
        return (await jwtVerify(token, key, verifyOptions)).payload;
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED')
          throw error;
      }
    }
    throw new errors.JWSSignatureVerificationFailed();
  }

  return async (token) => {
    try {
      try {
        return (await jwtVerify(token, getKey, verifyOptions)).payload as UserClaims;
      } catch (error) {
        if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw error;
        return (await verifyWithCandidates(
          token,
          error as unknown as AsyncIterable<CryptoKey>,
        )) as UserClaims;
      }
    } catch (error) {
      throw translate(error, policy.algorithms);
    }
  };
}
