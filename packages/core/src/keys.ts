import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  type JsonWebKey,
  KeyObject,
  sign,
  timingSafeEqual,
  verify,
  type webcrypto,
} from 'node:crypto';
import { badOption } from './errors.js';

/**
 * The JWS algorithms passport-relay signs and verifies. `none` is never one of them.
 *
 * @example
 * ```ts
 * const alg: PassportAlgorithm = 'EdDSA';
 * ```
 */
export type PassportAlgorithm = 'EdDSA' | 'HS256';

/**
 * @example
 * ```ts
 * PASSPORT_ALGORITHMS.includes('EdDSA'); // true
 * ```
 */
export const PASSPORT_ALGORITHMS: readonly PassportAlgorithm[] = Object.freeze(['EdDSA', 'HS256']);

/** Key material in any of the forms Node understands. */
export type AsymmetricKeyMaterial = KeyObject | JsonWebKey | string | webcrypto.CryptoKey;

/**
 * A key that verifies passports.
 *
 * - `{ alg: 'EdDSA', key }`: an Ed25519 public key (a private key works too: its public half is used)
 *   as a `KeyObject`, `CryptoKey`, JWK or PEM.
 * - `{ alg: 'HS256', secret }`: a shared secret of at least 32 bytes.
 * - A JWK with `kty: 'OKP'` (Ed25519) or `kty: 'oct'`, as found in a JWKS.
 *
 * `kid` selects the key when several are configured, which is how keys rotate without downtime.
 *
 * @example
 * ```ts
 * const keys: VerificationKey[] = [{ alg: 'EdDSA', kid: '2026-11', key: publicJwk }];
 * ```
 */
export type VerificationKey = EdDSAKey | HS256Key | JsonWebKey;

/**
 * A key that issues passports: an Ed25519 private key or an HS256 secret.
 *
 * @example
 * ```ts
 * const signingKey: SigningKey = { alg: 'EdDSA', kid: '2026-11', key: privateKeyObject };
 * ```
 */
export type SigningKey = EdDSAKey | HS256Key;

/**
 * An Ed25519 key (public to verify, private to sign).
 *
 * @example
 * ```ts
 * const key: EdDSAKey = { alg: 'EdDSA', kid: '2026-11', key: publicKeyObject };
 * ```
 */
export interface EdDSAKey {
  readonly alg: 'EdDSA';
  readonly kid?: string;
  readonly key: AsymmetricKeyMaterial;
}

/**
 * An HS256 shared secret of at least 32 bytes.
 *
 * @example
 * ```ts
 * const key: HS256Key = { alg: 'HS256', kid: 'k1', secret: process.env.PASSPORT_SECRET! };
 * ```
 */
export interface HS256Key {
  readonly alg: 'HS256';
  readonly kid?: string;
  readonly secret: string | Uint8Array | KeyObject;
}

function isHs256Key(value: unknown): value is HS256Key {
  return typeof value === 'object' && value !== null && 'secret' in value;
}

function isEdDsaKey(value: unknown): value is EdDSAKey {
  return typeof value === 'object' && value !== null && 'key' in value;
}

/** A verification key after validation: ready to check a signature. */
export interface ResolvedVerifier {
  readonly alg: PassportAlgorithm;
  readonly kid: string | undefined;
  verify(signingInput: string, signature: Buffer): boolean;
}

/** A signing key after validation: ready to sign. */
export interface ResolvedSigner {
  readonly alg: PassportAlgorithm;
  readonly kid: string | undefined;
  sign(signingInput: string): Buffer;
}

const MIN_HMAC_SECRET_BYTES = 32;
const HS256_SIGNATURE_BYTES = 32;
const ED25519_SIGNATURE_BYTES = 64;

function isJwk(value: unknown): value is JsonWebKey & { kid?: string; alg?: string } {
  return (
    typeof value === 'object' && value !== null && typeof (value as JsonWebKey).kty === 'string'
  );
}

function isCryptoKey(value: unknown): value is webcrypto.CryptoKey {
  const CryptoKeyClass = (globalThis as { CryptoKey?: new () => webcrypto.CryptoKey }).CryptoKey;
  return typeof CryptoKeyClass === 'function' && value instanceof CryptoKeyClass;
}

function hmacSecret(secret: string | Uint8Array | KeyObject, where: string): KeyObject {
  if (secret instanceof KeyObject) {
    if (secret.type !== 'secret')
      throw badOption(`${where}: an HS256 secret must be a secret key.`);
    return checkedSecretSize(secret.symmetricKeySize ?? 0, where, secret);
  }
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  return checkedSecretSize(
    bytes.length,
    where,
    bytes.length > 0 ? createSecretKey(bytes) : undefined,
  );
}

function checkedSecretSize(size: number, where: string, key: KeyObject | undefined): KeyObject {
  if (size < MIN_HMAC_SECRET_BYTES || key === undefined) {
    throw badOption(
      `${where}: an HS256 secret must be at least ${MIN_HMAC_SECRET_BYTES} bytes (RFC 7518 §3.2); generate one with crypto.randomBytes(32).`,
    );
  }
  return key;
}

/**
 * Read asymmetric key material in any form Node understands (KeyObject, CryptoKey, JWK, PEM) as a
 * public or private `KeyObject`. The caller checks the key type: the algorithm is never guessed
 * from the key.
 */
export function readAsymmetricKey(
  material: AsymmetricKeyMaterial,
  want: 'public' | 'private',
  where: string,
  what: string,
): KeyObject {
  let key: KeyObject;
  try {
    if (material instanceof KeyObject) key = material;
    else if (isCryptoKey(material)) key = KeyObject.from(material);
    else if (isJwk(material)) {
      key =
        want === 'private' || material.d !== undefined
          ? createPrivateKey({ key: material, format: 'jwk' })
          : createPublicKey({ key: material, format: 'jwk' });
    } else {
      const pem = material as string;
      key = want === 'private' ? createPrivateKey(pem) : createPublicKey(pem);
    }
  } catch (cause) {
    throw Object.assign(badOption(`${where}: the ${what} key could not be read.`), { cause });
  }
  if (want === 'private' && key.type !== 'private') {
    throw badOption(`${where}: signing with ${what} needs the private key.`);
  }
  return want === 'public' && key.type === 'private' ? createPublicKey(key) : key;
}

function ed25519(
  material: AsymmetricKeyMaterial,
  want: 'public' | 'private',
  where: string,
): KeyObject {
  const key = readAsymmetricKey(material, want, where, 'Ed25519');
  if (key.asymmetricKeyType !== 'ed25519') {
    throw badOption(
      `${where}: EdDSA keys must be Ed25519 (received ${key.asymmetricKeyType ?? key.type}).`,
    );
  }
  return key;
}

function hmacVerifier(kid: string | undefined, secret: KeyObject): ResolvedVerifier {
  return {
    alg: 'HS256',
    kid,
    verify(signingInput, signature) {
      if (signature.length !== HS256_SIGNATURE_BYTES) return false;
      const expected = createHmac('sha256', secret).update(signingInput).digest();
      return timingSafeEqual(expected, signature);
    },
  };
}

function ed25519Verifier(kid: string | undefined, publicKey: KeyObject): ResolvedVerifier {
  return {
    alg: 'EdDSA',
    kid,
    verify(signingInput, signature) {
      if (signature.length !== ED25519_SIGNATURE_BYTES) return false;
      return verify(null, Buffer.from(signingInput), publicKey, signature);
    },
  };
}

/** Validate one configured verification key. */
export function resolveVerifier(input: VerificationKey, where: string): ResolvedVerifier {
  if (isHs256Key(input) || isEdDsaKey(input)) return resolveKey(input, where);
  if (isJwk(input)) {
    const kid = typeof input.kid === 'string' ? input.kid : undefined;
    if (input.kty === 'oct') {
      if (input.alg !== undefined && input.alg !== 'HS256') {
        throw badOption(`${where}: JWK alg ${input.alg} is not supported; use HS256 or EdDSA.`);
      }
      if (typeof input.k !== 'string') throw badOption(`${where}: an oct JWK needs "k".`);
      return hmacVerifier(kid, hmacSecret(Buffer.from(input.k, 'base64url'), where));
    }
    if (input.kty === 'OKP' && input.crv === 'Ed25519') {
      if (input.alg !== undefined && input.alg !== 'EdDSA' && input.alg !== 'Ed25519') {
        throw badOption(`${where}: an Ed25519 JWK must have alg EdDSA.`);
      }
      return ed25519Verifier(kid, ed25519(input, 'public', where));
    }
    throw badOption(
      `${where}: JWK kty ${input.kty}${input.crv ? `/${input.crv}` : ''} is not supported; passports use Ed25519 (OKP) or HS256 (oct).`,
    );
  }
  throw badOption(
    `${where}: a verification key is { alg: 'EdDSA', key }, { alg: 'HS256', secret } or a JWK.`,
  );
}

function resolveKey(input: EdDSAKey | HS256Key, where: string): ResolvedVerifier {
  if (input.alg === 'HS256' && isHs256Key(input)) {
    return hmacVerifier(input.kid, hmacSecret(input.secret, where));
  }
  if (input.alg === 'EdDSA' && isEdDsaKey(input)) {
    return ed25519Verifier(input.kid, ed25519(input.key, 'public', where));
  }
  throw badOption(
    `${where}: alg must be "EdDSA" or "HS256" (received ${String((input as { alg?: unknown }).alg)}).`,
  );
}

/** Validate the configured signing key. */
export function resolveSigner(input: SigningKey, where: string): ResolvedSigner {
  if (input?.alg === 'HS256' && isHs256Key(input)) {
    const secret = hmacSecret(input.secret, where);
    return {
      alg: 'HS256',
      kid: input.kid,
      sign: (signingInput) => createHmac('sha256', secret).update(signingInput).digest(),
    };
  }
  if (input?.alg === 'EdDSA' && isEdDsaKey(input)) {
    const privateKey = ed25519(input.key, 'private', where);
    return {
      alg: 'EdDSA',
      kid: input.kid,
      sign: (signingInput) => sign(null, Buffer.from(signingInput), privateKey),
    };
  }
  throw badOption(
    `${where}: alg must be "EdDSA" or "HS256" (received ${String((input as { alg?: unknown }).alg)}).`,
  );
}
