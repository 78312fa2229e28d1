import {
  createHmac,
  createPrivateKey,
  type JsonWebKey,
  KeyObject,
  sign,
  type webcrypto,
} from 'node:crypto';
import type { SigningKey } from '@passport-relay/core';

/** base64url of a value's JSON, as in a JWS header or payload. */
export function encodeSegment(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** The private key of an EdDSA signing key, in whichever form it was given. */
function ed25519PrivateKey(key: Extract<SigningKey, { alg: 'EdDSA' }>['key']): KeyObject {
  if (key instanceof KeyObject) return key;
  if (typeof key === 'string') return createPrivateKey(key);
  // A CryptoKey has `algorithm` and `usages`; a JWK has neither.
  if ('usages' in key && 'algorithm' in key) return KeyObject.from(key as webcrypto.CryptoKey);
  return createPrivateKey({ key: key as JsonWebKey, format: 'jwk' });
}

/**
 * A compact JWS with exactly this header and payload, signed with `key`: what a forger (or a
 * misconfigured edge) would send. Nothing is checked or added, so any defect can be built.
 */
export function signJws(key: SigningKey, header: object, payload: object): string {
  const signingInput = `${encodeSegment(header)}.${encodeSegment(payload)}`;
  const signature =
    key.alg === 'HS256'
      ? createHmac('sha256', key.secret).update(signingInput).digest()
      : sign(null, Buffer.from(signingInput), ed25519PrivateKey(key.key));
  return `${signingInput}.${signature.toString('base64url')}`;
}
