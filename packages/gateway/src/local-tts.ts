import {
  narrowScope,
  type PassportClaims,
  PassportError,
  TXN_TOKEN_HEADER,
  type TxnTokenKey,
  type TxnTokenMinter,
  txnTokenMinter,
} from '@passport-relay/core';
import type { UserClaims } from './user-claims.js';

/**
 * Chooses the Txn-Token's `scope` for one request. It receives the scope values the user token
 * grants and may only narrow them: a value outside `granted` is refused with
 * `ERR_TXN_TOKEN_SCOPE_WIDENED` (403), as the draft requires (§13.6).
 *
 * @example
 * ```ts
 * // The transaction may only read, whatever else the user token allows.
 * const scope: TxnScope = (granted) => granted.filter((s) => s.endsWith('.read'));
 * ```
 */
export type TxnScope<R = unknown> = (
  granted: readonly string[],
  claims: UserClaims,
  request: R,
) => string | readonly string[];

/** Options of {@link createLocalTts}. */
export interface LocalTtsOptions<R = unknown> {
  /** The private key Txn-Tokens are signed with (ES256, RS256, PS256 or EdDSA), with a `kid`. */
  readonly signingKey: TxnTokenKey;
  /** The trust domain, written as `aud`; services verify it. */
  readonly trustDomain: string;
  /** The gateway's own workload id, written as `req_wl`. */
  readonly workloadId: string;
  /** Written as `iss` when set. */
  readonly issuer?: string;
  /**
   * Lifetime of each Txn-Token (never past the user token's `exp`).
   * @default 60
   */
  readonly ttlSeconds?: number;
  /**
   * The transaction's scope, narrowed from the user token's (`scope` or `scp`).
   * @default (granted) => granted
   */
  readonly scope?: TxnScope<R>;
  /**
   * The `authn` written into `rctx`: how the caller authenticated.
   * @default "urn:ietf:rfc:6750" (an OAuth 2.0 Bearer token)
   */
  readonly authn?: string;
  /**
   * The header Txn-Tokens travel on.
   * @default "txn-token"
   */
  readonly header?: string;
}

/** What the gateway hands the local TTS for one request. */
export interface LocalTtsInput<R = unknown> {
  /** The verified user token's claims. */
  readonly claims: UserClaims;
  /** The user's access token: never written into the Txn-Token, and checked for. */
  readonly accessToken: string;
  /** The gateway's claim mapping for this user (`toPassport`): `sub`, and `tctx` from the rest. */
  readonly passport: PassportClaims<object>;
  /** The caller's IP address, written as `rctx.req_ip`. */
  readonly clientIp?: string;
  readonly request: R;
}

/**
 * The edge as a local Transaction Token Service: mints one Txn-Token per request from the verified
 * user token. See {@link createLocalTts}.
 *
 * @example
 * ```ts
 * const token = tts.mint({ claims, accessToken, passport: { sub: 'u1' }, request: req });
 * ```
 */
export interface LocalTts<R = unknown> {
  /** The header Txn-Tokens travel on (lower case). */
  readonly header: string;
  /** The signing half, for work the edge starts itself. */
  readonly minter: TxnTokenMinter;
  /** Mint a Txn-Token for one request; throws a `PassportError` when it must not. */
  mint(input: LocalTtsInput<R>): string;
}

function grantedScopes(claims: UserClaims): readonly string[] {
  const { scope, scp } = claims;
  if (typeof scope === 'string') return scope.split(' ').filter(Boolean);
  if (Array.isArray(scp)) return scp.filter((value): value is string => typeof value === 'string');
  if (typeof scp === 'string') return scp.split(' ').filter(Boolean);
  return [];
}

/**
 * Create the gateway's local TTS. Pass it as `createGateway({ txnToken })`: with a relay built on
 * `txnTokenCodec` the gateway sends Txn-Tokens only; with a passport relay that lists the Txn-Token
 * header in `forwardHeaders` it sends both (a migration).
 *
 * Every token gets a unique `txn`, `aud` = the trust domain, `req_wl` = the gateway's workload id,
 * `rctx` = `{ req_ip, authn }`, `tctx` = the claim mapping without `sub`, a short lifetime, and a
 * `scope` that only narrows the user token's. The access token is never embedded: the minted
 * token is searched for it and refused (`ERR_TXN_TOKEN_ACCESS_TOKEN_EMBEDDED`) if found.
 *
 * @example
 * ```ts
 * const txnToken = createLocalTts({
 *   signingKey: { alg: 'ES256', kid: 'edge-1', key: privateKey },
 *   trustDomain: 'trust-domain.example',
 *   workloadId: 'gateway.trust-domain.example',
 *   scope: (granted) => granted.filter((s) => s.startsWith('orders.')),
 * });
 * const gateway = createGateway({ relay, txnToken, jwksUrl, issuer, audience, algorithms });
 * ```
 */
export function createLocalTts<R = unknown>(options: LocalTtsOptions<R>): LocalTts<R> {
  if (typeof options !== 'object' || options === null) {
    throw new PassportError(
      'ERR_PASSPORT_OPTIONS',
      'createLocalTts needs { signingKey, trustDomain, workloadId }.',
    );
  }
  const minter = txnTokenMinter({
    signingKey: options.signingKey,
    trustDomain: options.trustDomain,
    workloadId: options.workloadId,
    ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
    ...(options.ttlSeconds === undefined ? {} : { ttlSeconds: options.ttlSeconds }),
  });
  const chooseScope: TxnScope<R> = options.scope ?? ((granted) => granted);
  if (typeof chooseScope !== 'function') {
    throw new PassportError(
      'ERR_PASSPORT_OPTIONS',
      'createLocalTts: "scope" must be a function (granted, claims, request) => scope.',
    );
  }
  const authn = options.authn ?? 'urn:ietf:rfc:6750';
  const header = (options.header ?? TXN_TOKEN_HEADER).toLowerCase();
  if (typeof authn !== 'string' || authn.length === 0) {
    throw new PassportError('ERR_PASSPORT_OPTIONS', 'createLocalTts: "authn" must be a string.');
  }

  return Object.freeze({
    header,
    minter,
    mint({ claims, accessToken, passport, clientIp, request }: LocalTtsInput<R>): string {
      const granted = grantedScopes(claims);
      const scope = narrowScope(granted, chooseScope(granted, claims, request));
      const { sub, ...tctx } = passport as Record<string, unknown>;
      const rctx: Record<string, unknown> = { authn };
      if (typeof clientIp === 'string' && clientIp.length > 0) rctx.req_ip = clientIp;
      return minter.mint({
        sub: String(sub),
        scope,
        tctx,
        rctx,
        ...(typeof claims.exp === 'number' ? { expiresAtMost: claims.exp } : {}),
        mustNotContain: [accessToken],
      });
    },
  });
}
