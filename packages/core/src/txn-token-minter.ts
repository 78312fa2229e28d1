import { randomUUID } from 'node:crypto';
import { badOption, refuse } from './errors.js';
import { encodeBase64url } from './internal/base64url.js';
import { TXN_TOKEN_TYPE } from './txn-token-codec.js';
import { resolveTxnTokenSigner, type TxnTokenKey } from './txn-token-keys.js';

/**
 * Options of {@link txnTokenMinter}.
 *
 * @example
 * ```ts
 * const options: TxnTokenMinterOptions = {
 *   signingKey: { alg: 'EdDSA', kid: 'cron-1', key: privateKey },
 *   trustDomain: 'trust-domain.example',
 *   workloadId: 'billing-cron',
 *   ttlSeconds: 120,
 * };
 * const minter = txnTokenMinter(options);
 * ```
 */
export interface TxnTokenMinterOptions {
  /** The private key tokens are signed with (ES256, RS256, PS256 or EdDSA), with its `kid`. */
  readonly signingKey: TxnTokenKey;
  /** The trust domain, written as `aud`. */
  readonly trustDomain: string;
  /** This workload's id, written as `req_wl` (the workload that requested the token). */
  readonly workloadId: string;
  /** Written as `iss` when set. */
  readonly issuer?: string;
  /**
   * Lifetime of minted tokens: short, the draft asks for minutes or less.
   * @default 60
   */
  readonly ttlSeconds?: number;
}

/**
 * What one transaction is minted for.
 *
 * @example
 * ```ts
 * const request: TxnTokenRequest = {
 *   sub: userToken.sub,
 *   scope: narrowScope(userToken.scope.split(' '), 'orders.read'),
 *   rctx: { req_ip: '203.0.113.7' },
 *   expiresAtMost: userToken.exp,
 *   mustNotContain: [accessToken],
 * };
 * const token = minter.mint(request);
 * ```
 */
export interface TxnTokenRequest {
  /** The principal: a user id, or a workload id for work the system starts itself. */
  readonly sub: string;
  /** The purpose, as narrowly as possible: space-separated values, or a list. */
  readonly scope: string | readonly string[];
  /** Transaction context: immutable authorization details. */
  readonly tctx?: Readonly<Record<string, unknown>>;
  /** Request context, e.g. `{ req_ip, authn }`. */
  readonly rctx?: Readonly<Record<string, unknown>>;
  /** Latest `exp` allowed, e.g. the subject token's own. */
  readonly expiresAtMost?: number;
  /**
   * Secrets that must never appear in the token, e.g. the user's access token (draft §13.4). The
   * token is searched for each one, raw and base64url, and minting fails if found.
   */
  readonly mustNotContain?: readonly string[];
}

/**
 * Mints Transaction Tokens: the signing half of a token service, for the gateway's local TTS and
 * for work a process starts itself (a cron job, a queue consumer). Each token gets a fresh `txn`.
 *
 * @example
 * ```ts
 * const minter: TxnTokenMinter = txnTokenMinter({
 *   signingKey: { alg: 'ES256', kid: 'cron-1', key: privateKey },
 *   trustDomain: 'trust-domain.example',
 *   workloadId: 'billing-cron',
 * });
 * const token = minter.mint({ sub: 'billing-cron', scope: 'invoices.send' });
 * await runInTransaction(relay, token, () => fetch('http://invoices/send', { method: 'POST' }));
 * ```
 */
export interface TxnTokenMinter {
  readonly trustDomain: string;
  readonly workloadId: string;
  /**
   * Mint one Txn-Token.
   * @example
   * ```ts
   * const token = minter.mint({ sub: 'billing-cron', scope: 'invoices.send' });
   * ```
   */
  mint(request: TxnTokenRequest): string;
}

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** Scope values as a list, checked against RFC 6749 §3.3's alphabet. */
export function scopeList(scope: string | readonly string[], where: string): readonly string[] {
  const list = typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [...scope];
  if (list.length === 0 || !list.every((value) => SCOPE_TOKEN.test(value))) {
    throw refuse(
      'ERR_PASSPORT_CANNOT_ISSUE',
      `${where}: "scope" must be one or more scope values (RFC 6749 §3.3), e.g. "orders.read".`,
    );
  }
  return list;
}

/**
 * Check that `requested` only narrows `granted` (draft §13.6: a Txn-Token's scope is equal to or
 * less than the subject token's). Throws `ERR_TXN_TOKEN_SCOPE_WIDENED` (403) naming nothing but the
 * count, so the response does not teach an attacker the scope model.
 *
 * @example
 * ```ts
 * narrowScope(['orders.read', 'orders.write'], 'orders.read'); // ['orders.read']
 * narrowScope(['orders.read'], 'orders.write'); // throws ERR_TXN_TOKEN_SCOPE_WIDENED
 * ```
 */
export function narrowScope(
  granted: readonly string[],
  requested: string | readonly string[],
): readonly string[] {
  const list = scopeList(requested, 'narrowScope');
  const allowed = new Set(granted);
  const widened = list.filter((value) => !allowed.has(value));
  if (widened.length > 0) {
    throw refuse(
      'ERR_TXN_TOKEN_SCOPE_WIDENED',
      `The transaction asks for ${widened.length} scope value(s) the user token does not grant; a Txn-Token may only narrow scope.`,
    );
  }
  return [...new Set(list)];
}

/**
 * Create a {@link TxnTokenMinter}. Options are checked here.
 *
 * @example
 * ```ts
 * const minter = txnTokenMinter({
 *   signingKey: { alg: 'ES256', kid: 'edge-1', key: privateKey },
 *   trustDomain: 'trust-domain.example',
 *   workloadId: 'gateway.trust-domain.example',
 * });
 * const token = minter.mint({ sub: 'user-1', scope: 'orders.read', rctx: { req_ip: '203.0.113.7' } });
 * ```
 */
export function txnTokenMinter(options: TxnTokenMinterOptions): TxnTokenMinter {
  const where = 'txnTokenMinter';
  if (typeof options !== 'object' || options === null) {
    throw badOption(`${where} needs { signingKey, trustDomain, workloadId }.`);
  }
  const { trustDomain, workloadId, issuer } = options;
  for (const [name, value] of [
    ['trustDomain', trustDomain],
    ['workloadId', workloadId],
  ] as const) {
    if (typeof value !== 'string' || value.length === 0) {
      throw badOption(`${where}: "${name}" must be a non-empty string.`);
    }
  }
  if (issuer !== undefined && (typeof issuer !== 'string' || issuer.length === 0)) {
    throw badOption(`${where}: "issuer" must be a non-empty string.`);
  }
  const ttlSeconds = options.ttlSeconds ?? 60;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > 3600) {
    throw badOption(`${where}: "ttlSeconds" must be an integer from 1 to 3600 (short: minutes).`);
  }
  const signer = resolveTxnTokenSigner(options.signingKey, `${where}: signingKey`);
  const header = encodeBase64url(
    JSON.stringify(
      signer.kid === undefined
        ? { alg: signer.alg, typ: TXN_TOKEN_TYPE }
        : { alg: signer.alg, kid: signer.kid, typ: TXN_TOKEN_TYPE },
    ),
  );

  return Object.freeze({
    trustDomain,
    workloadId,
    mint(request: TxnTokenRequest): string {
      if (typeof request?.sub !== 'string' || request.sub.length === 0) {
        throw refuse('ERR_PASSPORT_CANNOT_ISSUE', `${where}: a Txn-Token needs a non-empty "sub".`);
      }
      const scope = scopeList(request.scope, where).join(' ');
      for (const [name, value] of [
        ['tctx', request.tctx],
        ['rctx', request.rctx],
      ] as const) {
        if (
          value !== undefined &&
          (typeof value !== 'object' || value === null || Array.isArray(value))
        ) {
          throw refuse('ERR_PASSPORT_CANNOT_ISSUE', `${where}: "${name}" must be an object.`);
        }
      }
      const now = Math.floor(Date.now() / 1000);
      const cap = request.expiresAtMost;
      if (cap !== undefined && (!Number.isFinite(cap) || cap <= now)) {
        throw refuse(
          'ERR_PASSPORT_CANNOT_ISSUE',
          `${where}: the subject's credential has expired; the draft forbids minting from it.`,
        );
      }
      const payload: Record<string, unknown> = {
        txn: randomUUID(),
        sub: request.sub,
        aud: trustDomain,
        iat: now,
        exp: Math.min(now + ttlSeconds, cap ?? Number.POSITIVE_INFINITY),
        scope,
        req_wl: workloadId,
      };
      if (issuer !== undefined) payload.iss = issuer;
      if (request.tctx !== undefined) payload.tctx = request.tctx;
      if (request.rctx !== undefined) payload.rctx = request.rctx;
      const json = JSON.stringify(payload);
      for (const secret of request.mustNotContain ?? []) {
        if (
          typeof secret === 'string' &&
          secret.length > 0 &&
          (json.includes(secret) || json.includes(encodeBase64url(secret)))
        ) {
          throw refuse(
            'ERR_TXN_TOKEN_ACCESS_TOKEN_EMBEDDED',
            'The Txn-Token would contain the access token (from tctx or rctx); the draft forbids it (§13.4).',
          );
        }
      }
      const signingInput = `${header}.${encodeBase64url(json)}`;
      return `${signingInput}.${encodeBase64url(signer.sign(signingInput))}`;
    },
  });
}
