import {
  constants,
  createPublicKey,
  type JsonWebKey,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { badOption } from './errors.js';
import { type AsymmetricKeyMaterial, readAsymmetricKey } from './keys.js';

/**
 * The JWS algorithms Transaction Tokens are verified (and minted) with: the ones token services
 * use. All asymmetric, so a workload that verifies can never mint. `none` is never one of them.
 *
 * @example
 * ```ts
 * const alg: TxnTokenAlgorithm = 'ES256';
 * const key: TxnTokenKey = { alg, kid: 'tts-1', key: publicKey };
 * txnTokenCodec({ trustDomain: 'trust-domain.example', keys: [key] });
 * ```
 */
export type TxnTokenAlgorithm = 'ES256' | 'RS256' | 'PS256' | 'EdDSA';

/**
 * Every {@link TxnTokenAlgorithm}.
 *
 * @example
 * ```ts
 * TXN_TOKEN_ALGORITHMS.includes('PS256'); // true
 * ```
 */
export const TXN_TOKEN_ALGORITHMS: readonly TxnTokenAlgorithm[] = Object.freeze([
  'ES256',
  'RS256',
  'PS256',
  'EdDSA',
]);

/**
 * A key that verifies (public) or mints (private) Transaction Tokens. The algorithm is pinned by
 * `alg`: a token whose header names another algorithm is never checked against this key.
 *
 * - `{ alg, key }`: `key` as a `KeyObject`, `CryptoKey`, JWK or PEM.
 * - A JWK as found in a TTS's JWKS. It must name its `alg` when it is an RSA key (RS256 and PS256
 *   share one key type, and the algorithm is never guessed); P-256 EC keys are ES256 and Ed25519
 *   OKP keys are EdDSA.
 *
 * @example
 * ```ts
 * const key: TxnTokenKey = { alg: 'ES256', kid: 'tts-2026-12', key: publicJwk };
 * ```
 */
export type TxnTokenKey =
  | {
      readonly alg: TxnTokenAlgorithm;
      readonly kid?: string;
      readonly key: AsymmetricKeyMaterial;
    }
  | JsonWebKey;

/** A Txn-Token key after validation. */
export interface ResolvedTxnTokenKey {
  readonly alg: TxnTokenAlgorithm;
  readonly kid: string | undefined;
  verify(signingInput: string, signature: Buffer): boolean;
}

/** A Txn-Token signing key after validation. */
export interface ResolvedTxnTokenSigner {
  readonly alg: TxnTokenAlgorithm;
  readonly kid: string | undefined;
  sign(signingInput: string): Buffer;
}

const MIN_RSA_BITS = 2048;

/** What node:crypto needs per algorithm, and what the key must be. */
const PROFILES: Readonly<
  Record<
    TxnTokenAlgorithm,
    {
      readonly keyType: string;
      readonly curve?: string;
      readonly digest: string | null;
      readonly options: { padding?: number; saltLength?: number; dsaEncoding?: 'ieee-p1363' };
      readonly signatureBytes?: number;
    }
  >
> = {
  // JWS carries ECDSA signatures as raw r||s (RFC 7518 §3.4), not DER.
  ES256: {
    keyType: 'ec',
    curve: 'prime256v1',
    digest: 'sha256',
    options: { dsaEncoding: 'ieee-p1363' },
    signatureBytes: 64,
  },
  RS256: { keyType: 'rsa', digest: 'sha256', options: {} },
  // RFC 7518 §3.5: the salt is as long as the hash.
  PS256: {
    keyType: 'rsa',
    digest: 'sha256',
    options: { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
  },
  EdDSA: { keyType: 'ed25519', digest: null, options: {}, signatureBytes: 64 },
};

function isAlgorithm(value: unknown): value is TxnTokenAlgorithm {
  return typeof value === 'string' && Object.hasOwn(PROFILES, value);
}

function checkedKey(key: KeyObject, alg: TxnTokenAlgorithm, where: string): KeyObject {
  const profile = PROFILES[alg];
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType !== profile.keyType) {
    throw badOption(
      `${where}: ${alg} needs a ${profile.keyType} key (received ${key.asymmetricKeyType ?? key.type}).`,
    );
  }
  if (profile.curve !== undefined && details?.namedCurve !== profile.curve) {
    throw badOption(`${where}: ES256 needs a P-256 key (received ${details?.namedCurve}).`);
  }
  if (profile.keyType === 'rsa' && (details?.modulusLength ?? 0) < MIN_RSA_BITS) {
    throw badOption(`${where}: RSA keys must be at least ${MIN_RSA_BITS} bits (RFC 7518 §3.3).`);
  }
  return key;
}

function algorithmOfJwk(jwk: JsonWebKey & { alg?: unknown }, where: string): TxnTokenAlgorithm {
  if (jwk.alg !== undefined) {
    if (!isAlgorithm(jwk.alg)) {
      throw badOption(
        `${where}: JWK alg ${String(jwk.alg)} is not supported; use one of ${TXN_TOKEN_ALGORITHMS.join(', ')}.`,
      );
    }
    return jwk.alg;
  }
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  throw badOption(
    `${where}: a JWK of kty ${String(jwk.kty)} must name its "alg" (RS256 or PS256): the algorithm is never guessed.`,
  );
}

function normalise(
  input: TxnTokenKey,
  where: string,
): { alg: TxnTokenAlgorithm; kid: string | undefined; key: AsymmetricKeyMaterial } {
  if (typeof input !== 'object' || input === null) {
    throw badOption(`${where}: a Txn-Token key is { alg, key } or a JWK.`);
  }
  if ('key' in input) {
    const { alg, kid, key } = input as { alg: unknown; kid?: unknown; key: AsymmetricKeyMaterial };
    if (!isAlgorithm(alg)) {
      throw badOption(
        `${where}: alg must be one of ${TXN_TOKEN_ALGORITHMS.join(', ')} (received ${String(alg)}).`,
      );
    }
    if (kid !== undefined && typeof kid !== 'string') {
      throw badOption(`${where}: "kid" must be a string.`);
    }
    return { alg, kid, key };
  }
  if (typeof (input as JsonWebKey).kty !== 'string') {
    throw badOption(`${where}: a Txn-Token key is { alg, key } or a JWK.`);
  }
  const jwk = input as JsonWebKey & { kid?: unknown };
  return {
    alg: algorithmOfJwk(jwk, where),
    kid: typeof jwk.kid === 'string' ? jwk.kid : undefined,
    key: jwk,
  };
}

/**
 * Validate one Txn-Token verification key: the algorithm is pinned, the key type and size
 * checked, and only the public half kept.
 */
export function resolveTxnTokenKey(input: TxnTokenKey, where: string): ResolvedTxnTokenKey {
  const { alg, kid, key } = normalise(input, where);
  const publicKey = checkedKey(readAsymmetricKey(key, 'public', where, alg), alg, where);
  const { digest, options, signatureBytes } = PROFILES[alg];
  const verifyKey = { key: publicKey, ...options };
  return {
    alg,
    kid,
    verify(signingInput, signature) {
      if (signatureBytes !== undefined && signature.length !== signatureBytes) return false;
      return verify(digest, Buffer.from(signingInput), verifyKey, signature);
    },
  };
}

/** Validate a Txn-Token signing key (a private key). */
export function resolveTxnTokenSigner(input: TxnTokenKey, where: string): ResolvedTxnTokenSigner {
  const { alg, kid, key } = normalise(input, where);
  const privateKey = checkedKey(readAsymmetricKey(key, 'private', where, alg), alg, where);
  const { digest, options } = PROFILES[alg];
  const signKey = { key: privateKey, ...options };
  return {
    alg,
    kid,
    sign: (signingInput) => sign(digest, Buffer.from(signingInput), signKey),
  };
}

/**
 * The public JWK of a Txn-Token signing key, with its `alg` and `kid`: what a local TTS publishes
 * for workloads (and Istio's RequestAuthentication) to verify with. `where` names the caller in
 * the `ERR_PASSPORT_OPTIONS` error a bad key throws.
 *
 * @example
 * ```ts
 * const signingKey = { alg: 'ES256', kid: 'tts-1', key: privateKey } as const;
 * const jwks = { keys: [publicTxnTokenJwk(signingKey, 'my-tts: signingKey')] };
 * app.get('/.well-known/jwks.json', (req, res) => res.json(jwks));
 * ```
 */
export function publicTxnTokenJwk(input: TxnTokenKey, where: string): JsonWebKey {
  const { alg, kid, key } = normalise(input, where);
  const publicKey = createPublicKey(
    checkedKey(readAsymmetricKey(key, 'private', where, alg), alg, where),
  );
  const jwk: JsonWebKey & { alg?: string; kid?: string; use?: string } = publicKey.export({
    format: 'jwk',
  });
  jwk.alg = alg;
  jwk.use = 'sig';
  if (kid !== undefined) jwk.kid = kid;
  return jwk;
}
