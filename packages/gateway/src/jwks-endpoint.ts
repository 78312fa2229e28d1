import type { VerificationKeySet } from '@passport-relay/core';

/**
 * An HTTP answer: status, headers and the serialised body.
 *
 * @example
 * ```ts
 * const { status, headers, body }: JwksHttpResponse = jwksResponse(ring);
 * ```
 */
export interface JwksHttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * Where the edge serves its JWKS by convention; services point `remoteJwks()` at it.
 *
 * @example
 * ```ts
 * remoteJwks(`http://gateway${JWKS_PATH}`);
 * ```
 */
export const JWKS_PATH = '/.well-known/jwks.json';

/**
 * Anything that holds the edge's public keys: a {@link KeyRing}, or an object with `jwks()`.
 *
 * @example
 * ```ts
 * const published: PublishedKeys = { jwks: () => ({ keys: [publicJwk] }) };
 * ```
 */
export interface PublishedKeys {
  jwks(): VerificationKeySet;
}

/**
 * Options of {@link jwksResponse}.
 *
 * @example
 * ```ts
 * jwksResponse(ring, { maxAgeSeconds: 30 });
 * ```
 */
export interface JwksResponseOptions {
  /**
   * `Cache-Control: max-age` of the answer. HTTP caches between services and the edge add this
   * much to the time a new key takes to reach them: keep it well below the ring's `propagationMs`.
   * @default 60
   */
  readonly maxAgeSeconds?: number;
}

/**
 * The HTTP answer that publishes the edge's passport verification keys (framework-free; the Express
 * handler and the Fastify plugin use it). Public keys only: a key ring never puts a private member
 * in its JWKS.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { JWKS_PATH, jwksResponse } from '@passport-relay/gateway';
 *
 * createServer((req, res) => {
 *   if (req.method === 'GET' && req.url === JWKS_PATH) {
 *     const { status, headers, body } = jwksResponse(ring);
 *     return res.writeHead(status, headers).end(body);
 *   }
 *   // ...
 * });
 * ```
 */
export function jwksResponse(
  keys: PublishedKeys,
  options: JwksResponseOptions = {},
): JwksHttpResponse {
  const maxAge = options.maxAgeSeconds ?? 60;
  if (!Number.isInteger(maxAge) || maxAge < 0) {
    throw new TypeError('jwksResponse: "maxAgeSeconds" must be a non-negative integer.');
  }
  const set = keys.jwks();
  // Belt and braces: whatever the source, only the public members of each key leave the edge.
  const body = JSON.stringify({
    keys: set.keys.map((key) => {
      const { kty, crv, x, kid, alg, use } = key as Record<string, unknown>;
      return { kty, crv, x, kid, alg, use };
    }),
  });
  return {
    status: 200,
    headers: {
      'content-type': 'application/jwk-set+json',
      'cache-control': `public, max-age=${maxAge}`,
    },
    body,
  };
}
