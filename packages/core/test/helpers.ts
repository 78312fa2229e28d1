import { createHmac, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';

export const ISSUER = 'https://edge.test';
export const now = () => Math.floor(Date.now() / 1000);

export function b64url(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString(
    'base64url',
  );
}

export function ed25519Pair(): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync('ed25519');
}

export const hmacSecret = () => randomBytes(32);

/**
 * Build a compact JWS by hand, so tests can forge any header, payload or signature the SDK must
 * refuse. `signWith` picks how the signing input is signed.
 */
export function forge(
  header: Record<string, unknown>,
  payload: unknown,
  signWith: { ed25519?: KeyObject; hmac?: Buffer; signature?: string } = {},
): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  let signature = signWith.signature ?? '';
  if (signWith.ed25519)
    signature = sign(null, Buffer.from(input), signWith.ed25519).toString('base64url');
  if (signWith.hmac)
    signature = createHmac('sha256', signWith.hmac).update(input).digest('base64url');
  return `${input}.${signature}`;
}

export function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const t = now();
  return { sub: 'user-1', iss: ISSUER, iat: t, exp: t + 300, ...overrides };
}
