import {
  request as httpRequest,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from 'node:http';
import { createRelay, type PassportErrorCode, type Relay, signedCodec } from '@passport-relay/core';
import { createTestRelay, type TestRelay } from '@passport-relay/testing';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

/** An identity provider for tests: a fresh ES256 key pair, its JWKS, and a token minter. */
export interface IdentityProvider {
  readonly issuer: string;
  readonly audience: string;
  readonly kid: string;
  readonly jwks: { keys: JWK[] };
  readonly privateKey: CryptoKey;
  token(claims?: Record<string, unknown>, options?: TokenOptions): Promise<string>;
}

export interface TokenOptions {
  /** Seconds from now; negative for an expired token. @default 600 */
  readonly expiresIn?: number;
  readonly issuer?: string;
  readonly audience?: string;
  readonly signWith?: CryptoKey;
  /** `null` for a token without a `kid`. @default the provider's */
  readonly kid?: string | null;
}

export async function createIdentityProvider(
  issuer = 'https://idp.test/',
  audience = 'api',
  kid = 'idp-key-1',
): Promise<IdentityProvider> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  return {
    issuer,
    audience,
    kid,
    jwks: { keys: [jwk] },
    privateKey,
    token(claims = { sub: 'user-1' }, options = {}) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT(claims)
        .setProtectedHeader(
          options.kid === null
            ? { alg: 'ES256', typ: 'JWT' }
            : { alg: 'ES256', kid: options.kid ?? kid, typ: 'JWT' },
        )
        .setIssuer(options.issuer ?? issuer)
        .setAudience(options.audience ?? audience)
        .setIssuedAt(now)
        .setExpirationTime(now + (options.expiresIn ?? 600))
        .sign(options.signWith ?? privateKey);
    },
  };
}

/** An unsecured JWT (`alg: none`, empty signature). */
export function unsignedToken(claims: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`;
}

/** The edge's relay (signing key) and a downstream service's relay (public key only). */
export function createRelays(): { edge: TestRelay; downstream: Relay } {
  const edge = createTestRelay();
  const downstream = createRelay({
    codec: signedCodec({ keys: [edge.verificationKey!], issuer: edge.issuer }),
  });
  return { edge, downstream };
}

/** An `Authorization: Bearer <token>` header. */
export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

/**
 * One request an edge must refuse: what is wrong, its headers, the code, and the `error` of its
 * Bearer challenge (none when there is no token at all).
 */
export type BearerRefusal = readonly [
  name: string,
  makeHeaders: () => Promise<OutgoingHttpHeaders>,
  code: PassportErrorCode,
  bearerError: string | undefined,
];

/** Every bad `Authorization` an edge refuses, with tokens from `idp()` (read when a test runs). */
export function bearerRefusals(idp: () => IdentityProvider): BearerRefusal[] {
  return [
    [
      'an expired token',
      () => idp().token({ sub: 'u' }, { expiresIn: -60 }).then(bearer),
      'ERR_PASSPORT_EXPIRED',
      'invalid_token',
    ],
    [
      'a wrong issuer',
      () => idp().token({ sub: 'u' }, { issuer: 'https://evil.test/' }).then(bearer),
      'ERR_PASSPORT_CLAIM_INVALID',
      'invalid_token',
    ],
    [
      'a wrong audience',
      () => idp().token({ sub: 'u' }, { audience: 'other' }).then(bearer),
      'ERR_PASSPORT_CLAIM_INVALID',
      'invalid_token',
    ],
    [
      'a bad signature',
      async () =>
        bearer(
          await idp().token(
            { sub: 'u' },
            { signWith: (await generateKeyPair('ES256')).privateKey },
          ),
        ),
      'ERR_PASSPORT_SIGNATURE',
      'invalid_token',
    ],
    [
      'alg none',
      async () =>
        bearer(unsignedToken({ sub: 'u', iss: idp().issuer, aud: idp().audience, exp: 4e9 })),
      'ERR_PASSPORT_ALGORITHM',
      'invalid_token',
    ],
    ['a missing token', async () => ({}), 'ERR_PASSPORT_MISSING', undefined],
    [
      'a Basic Authorization header',
      async () => ({ Authorization: 'Basic dXNlcjpwYXNz' }),
      'ERR_PASSPORT_MISSING',
      undefined,
    ],
    [
      'two Authorization headers',
      async () => ({
        Authorization: [`Bearer ${await idp().token()}`, `Bearer ${await idp().token()}`],
      }),
      'ERR_PASSPORT_MALFORMED',
      'invalid_request',
    ],
  ];
}

export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are checked field by field.
  readonly json: any;
}

/**
 * A request with node:http, which keeps header casing and sends an array as repeated headers (fetch
 * would join them), so tests can send `PassPort` or two `Authorization` lines.
 */
export function send(
  url: string,
  headers: OutgoingHttpHeaders = {},
  init: { method?: string; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: init.method ?? 'GET', headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(init.body);
  });
}
