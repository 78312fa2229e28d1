import { constants, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { b64url, now } from './helpers.js';

export const TRUST_DOMAIN = 'trust-domain.example';
export const WORKLOAD = 'apigateway.trust-domain.example';

export type Alg = 'ES256' | 'RS256' | 'PS256' | 'EdDSA';

export function keyPair(alg: Alg): { publicKey: KeyObject; privateKey: KeyObject } {
  if (alg === 'ES256') return generateKeyPairSync('ec', { namedCurve: 'P-256' });
  if (alg === 'EdDSA') return generateKeyPairSync('ed25519');
  return generateKeyPairSync('rsa', { modulusLength: 2048 });
}

/** The draft's example body (§9.2.4), with times moved to now. */
export function txnClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const t = now();
  return {
    iat: t,
    aud: TRUST_DOMAIN,
    exp: t + 60,
    txn: '97053963-771d-49cc-a4e3-20aad399c312',
    sub: 'd084sdrt234fsaw34tr23t',
    req_wl: WORKLOAD,
    rctx: { req_ip: '69.151.72.123', authn: 'face' },
    scope: 'trade.stocks',
    tctx: {
      action: 'BUY',
      ticker: 'MSFT',
      quantity: '100',
      customer_type: { geo: 'US', level: 'VIP' },
    },
    ...overrides,
  };
}

/** Sign any header and payload by hand, so tests can forge what the codec must refuse. */
export function signToken(
  alg: Alg,
  privateKey: KeyObject,
  payload: unknown,
  header: Record<string, unknown> = { alg, typ: 'txntoken+jwt', kid: 'tts-1' },
): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  const data = Buffer.from(input);
  let signature: Buffer;
  if (alg === 'ES256')
    signature = sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  else if (alg === 'EdDSA') signature = sign(null, data, privateKey);
  else if (alg === 'PS256') {
    signature = sign('sha256', data, {
      key: privateKey,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: 32,
    });
  } else signature = sign('sha256', data, privateKey);
  return `${input}.${signature.toString('base64url')}`;
}
