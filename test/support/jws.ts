import type { JsonWebKey } from 'node:crypto';
import { createHmac, generateKeyPairSync, KeyObject, randomBytes, sign } from 'node:crypto';
import type { SigningKey, VerificationKey } from '@passport-relay/core';
import type { TestRelay } from '@passport-relay/testing';
import { jwtVerify } from 'jose';

/** Signs a JWS signing input (`header.payload`) and returns the raw signature bytes. */
export type Signer = (signingInput: string) => Buffer;

/** base64url without padding, as JWS requires. */
export function b64url(data: string | Uint8Array): string {
  return Buffer.from(data).toString('base64url');
}

/** An HS256 signer for `secret`. */
export function hs256Signer(secret: Uint8Array | string): Signer {
  return (input) => createHmac('sha256', secret).update(input).digest();
}

/** An Ed25519 signer for `privateKey`. */
export function ed25519Signer(privateKey: KeyObject): Signer {
  return (input) => sign(null, Buffer.from(input), privateKey);
}

/**
 * A compact JWS with any header and payload (objects are JSON-encoded, strings used as is), signed
 * by `signer`, or with an empty signature when there is none: what a forger would send.
 */
export function forgeJws(
  header: object | string,
  payload: object | string,
  signer: Signer | undefined,
): string {
  const encode = (part: object | string) =>
    b64url(typeof part === 'string' ? part : JSON.stringify(part));
  const signingInput = `${encode(header)}.${encode(payload)}`;
  return `${signingInput}.${signer === undefined ? '' : b64url(signer(signingInput))}`;
}

/** What a fuzzer needs to forge passports against one test relay. */
export interface Forgery {
  readonly alg: 'EdDSA' | 'HS256';
  readonly kid: string | undefined;
  readonly issuer: string;
  /** Signs with the relay's own key: forged claims are then checked on their merits. */
  readonly rightKey: Signer;
  /** Signs with a key of the same algorithm that the relay does not trust. */
  readonly wrongKey: Signer;
  /**
   * The algorithm-confusion attack: for EdDSA, HS256 keyed with the public key's bytes; for
   * HS256, EdDSA with a fresh key pair.
   */
  readonly confused: { readonly alg: 'EdDSA' | 'HS256'; readonly signer: Signer };
  /**
   * An independent verdict (jose) on a passport value: its `sub` when jose accepts it under the
   * relay's key, issuer and algorithm, `undefined` when jose refuses it. Memoised per value.
   */
  joseVerdict(value: string): Promise<string | undefined>;
}

function ed25519PublicKey(key: VerificationKey | undefined): KeyObject {
  const material = (key as { key?: unknown } | undefined)?.key;
  if (!(material instanceof KeyObject)) throw new Error('expected an EdDSA test relay key');
  return material;
}

function hmacSecret(key: SigningKey | VerificationKey | undefined): Buffer {
  const secret = (key as { secret?: unknown } | undefined)?.secret;
  if (!Buffer.isBuffer(secret)) throw new Error('expected an HS256 test relay secret');
  return secret;
}

const MAX_VERDICTS = 50_000;

/** The keys and an independent verifier for a `createTestRelay({ mode: 'EdDSA' | 'HS256' })`. */
export function forgeryFor(test: TestRelay): Forgery {
  const { signingKey, verificationKey, issuer } = test;
  if (signingKey === undefined) throw new Error('forgeryFor needs a signed test relay');
  const kid = signingKey.kid;
  let rightKey: Signer;
  let wrongKey: Signer;
  let confused: Forgery['confused'];
  let joseKey: KeyObject | Uint8Array;
  if (signingKey.alg === 'HS256') {
    const secret = hmacSecret(signingKey);
    rightKey = hs256Signer(secret);
    wrongKey = hs256Signer(randomBytes(32));
    confused = {
      alg: 'EdDSA',
      signer: ed25519Signer(generateKeyPairSync('ed25519').privateKey),
    };
    joseKey = new Uint8Array(secret);
  } else {
    const privateKey = (signingKey as { key: unknown }).key;
    if (!(privateKey instanceof KeyObject)) throw new Error('expected an Ed25519 private key');
    const publicKey = ed25519PublicKey(verificationKey);
    rightKey = ed25519Signer(privateKey);
    wrongKey = ed25519Signer(generateKeyPairSync('ed25519').privateKey);
    confused = {
      alg: 'HS256',
      signer: hs256Signer(publicKey.export({ format: 'der', type: 'spki' })),
    };
    joseKey = publicKey;
  }
  const verdicts = new Map<string, Promise<string | undefined>>();
  return {
    alg: signingKey.alg,
    kid,
    issuer,
    rightKey,
    wrongKey,
    confused,
    joseVerdict(value) {
      let verdict = verdicts.get(value);
      if (verdict === undefined) {
        verdict = jwtVerify(value, joseKey, {
          issuer,
          algorithms: [signingKey.alg],
          clockTolerance: 5,
        }).then(
          ({ payload }) => (typeof payload.sub === 'string' ? payload.sub : undefined),
          () => undefined,
        );
        if (verdicts.size >= MAX_VERDICTS) verdicts.clear();
        verdicts.set(value, verdict);
      }
      return verdict;
    },
  };
}

/**
 * The verification key of a signed test relay as a JWK (public key or HS256 secret, with its kid),
 * to configure another service that trusts the same edge, in another process.
 */
export function verificationJwk(test: TestRelay): JsonWebKey {
  const key = test.verificationKey;
  if (key === undefined || !('alg' in key))
    throw new Error('verificationJwk needs a signed test relay');
  if (key.alg === 'HS256') {
    return { kty: 'oct', k: hmacSecret(key).toString('base64url'), alg: 'HS256', kid: key.kid };
  }
  return { ...ed25519PublicKey(key).export({ format: 'jwk' }), alg: 'EdDSA', kid: key.kid };
}
