import { generateKeyPairSync, type JsonWebKey, randomBytes } from 'node:crypto';

/**
 * An Ed25519 passport key as the SDK reads it: the private JWK for the edge
 * (`signedCodec({ signingKey: { alg: 'EdDSA', kid, key: privateJwk } })` or a key ring), the
 * public JWK for services (`keys: [publicJwk]`, or the edge's JWKS), and the same pair as PEM.
 *
 * @example
 * ```ts
 * const key: PassportKeyPair = generatePassportKey({ kid: '2026-12' });
 * ```
 */
export interface PassportKeyPair {
  readonly alg: 'EdDSA';
  readonly kid: string;
  /** `{ kty: 'OKP', crv: 'Ed25519', x, d, kid, alg: 'EdDSA' }`: keep it secret, at the edge only. */
  readonly privateJwk: JsonWebKey & { readonly kid: string; readonly alg: 'EdDSA' };
  /** `{ kty: 'OKP', crv: 'Ed25519', x, kid, alg: 'EdDSA', use: 'sig' }`: publish it. */
  readonly publicJwk: JsonWebKey & {
    readonly kid: string;
    readonly alg: 'EdDSA';
    readonly use: 'sig';
  };
  /** PKCS #8 PEM of the private key. */
  readonly privatePem: string;
  /** SPKI PEM of the public key. */
  readonly publicPem: string;
}

/**
 * An HS256 shared secret as the SDK reads it: `{ alg: 'HS256', kid, secret }` on every side, or
 * the `oct` JWK. Shared secrets are never published: every holder can mint.
 *
 * @example
 * ```ts
 * const key: PassportSecret = generatePassportKey({ alg: 'HS256' });
 * ```
 */
export interface PassportSecret {
  readonly alg: 'HS256';
  readonly kid: string;
  /** 32 random bytes as base64url text; the SDK uses the text's 43 UTF-8 bytes as the secret. */
  readonly secret: string;
  /** `{ kty: 'oct', k, kid, alg: 'HS256' }`. */
  readonly jwk: JsonWebKey & { readonly kid: string; readonly alg: 'HS256' };
}

/**
 * Options of {@link generatePassportKey}.
 *
 * @example
 * ```ts
 * generatePassportKey({ alg: 'EdDSA', kid: 'edge-2026-12' });
 * ```
 */
export interface GeneratePassportKeyOptions {
  /**
   * `EdDSA` (Ed25519: services hold public keys only) or `HS256` (a shared secret).
   * @default "EdDSA"
   */
  readonly alg?: 'EdDSA' | 'HS256';
  /**
   * The key id. Unique per key: services pick the key by it.
   * @default the date and 6 random hex digits, e.g. `2026-12-07-a1b2c3`
   */
  readonly kid?: string;
}

const KID = /^[A-Za-z0-9._~-]{1,64}$/;

function defaultKid(): string {
  return `${new Date().toISOString().slice(0, 10)}-${randomBytes(3).toString('hex')}`;
}

/**
 * Generate a passport key in the formats the SDK reads (also the `passport-relay-keys` CLI).
 *
 * @example
 * ```ts
 * import { generatePassportKey } from '@passport-relay/gateway';
 *
 * const key = generatePassportKey();
 * const ring = createKeyRing({ keys: [{ key }] });
 * // services: remoteJwks('http://gateway/.well-known/jwks.json'), or keys: [key.publicJwk]
 * ```
 */
export function generatePassportKey(options?: {
  readonly alg?: 'EdDSA';
  readonly kid?: string;
}): PassportKeyPair;
export function generatePassportKey(options: {
  readonly alg: 'HS256';
  readonly kid?: string;
}): PassportSecret;
export function generatePassportKey(
  options: GeneratePassportKeyOptions = {},
): PassportKeyPair | PassportSecret {
  const kid = options.kid ?? defaultKid();
  if (typeof kid !== 'string' || !KID.test(kid)) {
    throw new TypeError(
      'generatePassportKey: "kid" must be 1 to 64 characters of A-Z, a-z, 0-9, ".", "_", "~" or "-".',
    );
  }
  const alg = options.alg ?? 'EdDSA';
  if (alg === 'HS256') {
    // The SDK reads a string secret as its UTF-8 bytes; the JWK carries those same bytes.
    const secret = randomBytes(32).toString('base64url');
    const k = Buffer.from(secret, 'utf8').toString('base64url');
    return { alg, kid, secret, jwk: { kty: 'oct', k, kid, alg } };
  }
  if (alg !== 'EdDSA') {
    throw new TypeError('generatePassportKey: "alg" must be "EdDSA" or "HS256".');
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicJwk = publicKey.export({ format: 'jwk' });
  return {
    alg,
    kid,
    privateJwk: { ...privateKey.export({ format: 'jwk' }), kid, alg },
    publicJwk: { kty: 'OKP', crv: 'Ed25519', x: publicJwk.x as string, kid, alg, use: 'sig' },
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }) as string,
  };
}
