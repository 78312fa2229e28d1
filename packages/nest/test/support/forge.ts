import { createHmac } from 'node:crypto';
import type { HS256Key } from '@passport-relay/core';

function encode(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/**
 * A compact JWS with any header and payload, signed with HMAC-SHA256 and `secret`: what a forger
 * (or a misconfigured edge) would send.
 */
export function forge(secret: Buffer | string, header: object, payload: object): string {
  const signingInput = `${encode(header)}.${encode(payload)}`;
  const signature = createHmac('sha256', secret).update(signingInput).digest('base64url');
  return `${signingInput}.${signature}`;
}

/** The HS256 key of a `createTestRelay({ mode: 'HS256' })`. */
export function hsKey(key: unknown): HS256Key {
  const candidate = key as HS256Key | undefined;
  if (candidate?.alg !== 'HS256') throw new Error('expected an HS256 test relay');
  return candidate;
}
