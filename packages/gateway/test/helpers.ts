import {
  request as httpRequest,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type Server,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRelay, type Relay, signedCodec } from '@passport-relay/core';
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

export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.closeAllConnections();
    server.close((error) => (error ? reject(error) : resolve()));
  });
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
