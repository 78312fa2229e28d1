import type { JsonWebKey } from 'node:crypto';
import type { PassportClaims, PassportFields, Relay } from '@passport-relay/core';
import type { LocalTts } from './local-tts.js';
import type { UserClaims } from './user-claims.js';

/**
 * The JWS algorithms a user token may be signed with: asymmetric only, because the keys come from
 * a public JWKS. `none` is never one of them.
 *
 * @example
 * ```ts
 * const algorithms: UserTokenAlgorithm[] = ['RS256', 'ES256'];
 * ```
 */
export type UserTokenAlgorithm =
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA'
  | 'Ed25519';

/**
 * Every value `algorithms` accepts.
 *
 * @example
 * ```ts
 * USER_TOKEN_ALGORITHMS.includes('RS256'); // true
 * ```
 */
export const USER_TOKEN_ALGORITHMS: readonly UserTokenAlgorithm[] = Object.freeze([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]);

/**
 * How the remote JWKS at `jwksUrl` is fetched and cached (jose's `createRemoteJWKSet`).
 *
 * @example
 * ```ts
 * createGateway({ ...options, jwksUrl, remoteJwks: { timeoutMs: 2000, cooldownMs: 10_000 } });
 * ```
 */
export interface RemoteJwksOptions {
  /**
   * Abort a JWKS fetch after this long; the request then fails with a 503 error.
   * @default 5000
   */
  readonly timeoutMs?: number;
  /**
   * After a fetch, a token with an unknown `kid` does not trigger another fetch for this long.
   * @default 30000
   */
  readonly cooldownMs?: number;
  /**
   * Fetch the JWKS again when it is older than this.
   * @default 600000
   */
  readonly maxAgeMs?: number;
  /** Extra request headers for the JWKS fetch. */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Options of the minted-passport cache.
 *
 * @example
 * ```ts
 * createGateway({ ...options, cache: { maxEntries: 50_000, marginSeconds: 60 } });
 * ```
 */
export interface MintCacheOptions {
  /**
   * How many user tokens to remember; the least recently used goes first.
   * @default 10000
   */
  readonly maxEntries?: number;
  /**
   * Stop reusing a minted passport this long before its `exp`, so downstream services never
   * receive one about to expire.
   * @default 30
   */
  readonly marginSeconds?: number;
}

/**
 * Options of {@link createGateway}. `relay`, a key source (`jwksUrl` or `jwks`), `issuer`,
 * `audience` and `algorithms` are required; everything else has a default.
 *
 * @example
 * ```ts
 * const options: GatewayOptions = {
 *   relay,
 *   jwksUrl: 'https://login.example.com/.well-known/jwks.json',
 *   issuer: 'https://login.example.com/',
 *   audience: 'shop-api',
 *   algorithms: ['RS256'],
 *   stripHeaders: ['x-user-id'],
 * };
 * ```
 */
export interface GatewayOptions<T extends object = PassportFields, R = unknown> {
  /**
   * The relay that mints: `createRelay({ codec: signedCodec({ signingKey, keys, issuer }) })`. Its
   * `keys` must include the public half of `signingKey`.
   */
  readonly relay: Relay<T>;
  /**
   * Where the identity provider publishes its keys, e.g.
   * `https://login.example.com/.well-known/jwks.json`. Give this or `jwks`.
   */
  readonly jwksUrl?: string | URL;
  /** A local JWKS (`{ keys: [...] }`) of public keys. Give this or `jwksUrl`. */
  readonly jwks?: { readonly keys: readonly JsonWebKey[] };
  /** How `jwksUrl` is fetched. */
  readonly remoteJwks?: RemoteJwksOptions;
  /** The `iss` of user tokens (one of them). Required. */
  readonly issuer: string | readonly string[];
  /** The `aud` user tokens must be meant for (any of them). Required. */
  readonly audience: string | readonly string[];
  /** The algorithms user tokens may be signed with, e.g. `['RS256']`. Required; never `none`. */
  readonly algorithms: readonly UserTokenAlgorithm[];
  /**
   * Clock skew tolerated on the user token's `exp` and `nbf`.
   * @default 5
   */
  readonly clockToleranceSeconds?: number;
  /**
   * Map the verified user claims to the passport; may be async. Its result is cached per user
   * token, so it should depend on the claims only.
   * @default defaultToPassport
   */
  toPassport?(claims: UserClaims, request: R): PassportClaims<T> | Promise<PassportClaims<T>>;
  /**
   * Request headers removed before anything else runs: client-supplied passports and forwarded
   * identity headers (e.g. `x-user-id`). The relay's own header is always removed.
   * @default [relay.header]
   */
  readonly stripHeaders?: readonly string[];
  /**
   * The `realm` of the `WWW-Authenticate: Bearer` challenge.
   * @default "gateway"
   */
  readonly realm?: string;
  /**
   * Reuse the passport minted for a user token while both are valid; `false` mints per request.
   * @default { maxEntries: 10000, marginSeconds: 30 }
   */
  readonly cache?: false | MintCacheOptions;
  /**
   * Largest `Authorization` header accepted; larger ones are refused with 431.
   * @default 8192
   */
  readonly maxTokenBytes?: number;
  /**
   * Mint a Transaction Token per request with this local TTS (`createLocalTts`). With a relay built
   * on `txnTokenCodec` the gateway sends Txn-Tokens only; with a passport relay whose
   * `forwardHeaders` list the Txn-Token header it sends both, for a migration. A client-supplied
   * Txn-Token is always stripped.
   */
  readonly txnToken?: LocalTts<R>;
}
