import type { JsonWebKey } from 'node:crypto';
import type { PassportCodec } from './codec.js';
import { badOption, refuse } from './errors.js';
import { checkIssuer, checkTimeClaims } from './internal/claim-checks.js';
import type { Claims } from './internal/claims-json.js';
import {
  checkJwsHeader,
  keysFor,
  parseJwsHeader,
  verifiedJwsPayload,
} from './internal/jws-checks.js';
import { DEFAULT_LIMITS, type ResolvedLimits } from './limits.js';
import type { PassportClaims, PassportFields } from './passport.js';
import type { RelayContext } from './relay-context.js';
import { TtlCache } from './ttl-cache.js';
import {
  type ResolvedTxnTokenKey,
  resolveTxnTokenKey,
  type TxnTokenAlgorithm,
  type TxnTokenKey,
} from './txn-token-keys.js';
import { TxnReplayGuard } from './txn-token-replay.js';

/**
 * The HTTP header Transaction Tokens travel on (draft-ietf-oauth-transaction-tokens §12.1), lower
 * case as on the wire. The default header of a relay built on {@link txnTokenCodec}.
 *
 * @example
 * ```ts
 * // A service still on the passport relay forwards the Txn-Token untouched during a migration:
 * const relay = createRelay({ codec, forwardHeaders: [TXN_TOKEN_HEADER] });
 * ```
 */
export const TXN_TOKEN_HEADER = 'txn-token';

/**
 * The JWT `typ` every Transaction Token carries (draft §9.1).
 *
 * @example
 * ```ts
 * // A token service of your own writes it into the JWS header:
 * const header = { alg: 'ES256', kid: 'tts-1', typ: TXN_TOKEN_TYPE };
 * ```
 */
export const TXN_TOKEN_TYPE = 'txntoken+jwt';

/**
 * The claims of a verified Transaction Token (draft §9.2). `tctx` and `rctx` are present when the
 * token service set them.
 *
 * @example
 * ```ts
 * const claims: TxnTokenClaims | undefined = txn.currentTransaction(relay);
 * if (claims !== undefined) log.info({ txn: claims.txn, scope: claims.scope }, 'order placed');
 * ```
 */
export interface TxnTokenClaims {
  /** The transaction's unique id: log it, never the token. */
  readonly txn: string;
  /** The principal of the transaction, unique within the trust domain. */
  readonly sub: string;
  /** The trust domain (or a list that includes it). */
  readonly aud: string | readonly string[];
  readonly iat: number;
  readonly exp: number;
  /** What the transaction may do: space-separated scope values chosen by the token service. */
  readonly scope: string;
  /** The workload (or workloads, oldest first) that requested the token. */
  readonly req_wl: string | readonly string[];
  /** Transaction context: immutable authorization details. */
  readonly tctx?: Readonly<Record<string, unknown>>;
  /** Request context: the environment of the originating request (`req_ip`, `authn`, ...). */
  readonly rctx?: Readonly<Record<string, unknown>>;
  readonly iss?: string;
  readonly [claim: string]: unknown;
}

/**
 * Options of {@link txnTokenCodec}.
 *
 * @example
 * ```ts
 * const options: TxnTokenCodecOptions = {
 *   trustDomain: 'trust-domain.example',
 *   keys: ttsJwks,
 *   issuer: 'https://tts.trust-domain.example',
 *   toPassport: (claims) => ({ sub: claims.sub, tenant: claims.tctx?.tenant as string }),
 *   replay: { maxEntries: 50_000 },
 * };
 * txnTokenCodec(options);
 * ```
 */
export interface TxnTokenCodecOptions<T extends object = PassportFields> {
  /**
   * The trust domain this workload belongs to. A token whose `aud` does not name it is refused
   * (`ERR_TXN_TOKEN_AUDIENCE`), as the draft requires.
   */
  readonly trustDomain: string;
  /**
   * The token service's public keys, each pinned to one algorithm (ES256, RS256, PS256, EdDSA), or
   * its JWKS (`{ keys: [...] }`, RSA keys with their `alg`). The token's `kid` picks one.
   */
  readonly keys: readonly TxnTokenKey[] | { readonly keys: readonly JsonWebKey[] };
  /** Expected `iss`; when set, a token from another issuer is refused. */
  readonly issuer?: string;
  /**
   * Turn the verified claims into the passport business code reads. Its result always gets the
   * token's `txn`, `exp` and `iat`: the relay never caches it past the token's expiry, and
   * diagnostics (`accepted`), log mixins and span attributes can name the transaction.
   * @default (claims) => ({ ...claims.tctx, sub: claims.sub })
   */
  toPassport?(claims: TxnTokenClaims): PassportClaims<T>;
  /**
   * Refuse a `txn` this process has accepted before, until that token expires
   * (`ERR_TXN_TOKEN_REPLAYED`). Per process only, bounded by `maxEntries` (when full, the oldest
   * entry goes first, so a flood of valid tokens can push an old `txn` out). A workload
   * called twice in one transaction refuses the second call: use it on single-call endpoints.
   * @default false
   */
  readonly replay?: false | { readonly maxEntries?: number };
  /**
   * Clock skew tolerated on `exp` and `iat`.
   * @default 5
   */
  readonly clockToleranceSeconds?: number;
}

/**
 * A {@link PassportCodec} for Transaction Tokens, plus access to the verified transaction.
 *
 * @example
 * ```ts
 * const txn = txnTokenCodec({ trustDomain: 'trust-domain.example', keys: ttsJwks });
 * const relay = createRelay({ codec: txn });
 * app.get('/orders', (req, res) => {
 *   const { txn: id, scope } = txn.currentTransaction(relay) ?? {};
 * });
 * ```
 */
export interface TxnTokenCodec extends PassportCodec {
  /** `txn-token`: the header a relay built on this codec uses unless told otherwise. */
  readonly header: string;
  /** The trust domain tokens must name in `aud`. */
  readonly trustDomain: string;
  /**
   * The claims of a token this codec verified, or `undefined` when `token` is not one. A token that
   * arrived through `relay.extract` was verified; this reads it again without a second time check,
   * so the transaction stays readable until the request ends.
   */
  transactionOf(token: string | undefined): TxnTokenClaims | undefined;
  /**
   * The transaction of the request being served: `txn`, `scope`, `req_wl`, `rctx`, `tctx`, ...
   * @example
   * ```ts
   * log.info({ txn: codec.currentTransaction(relay)?.txn }, 'order placed');
   * ```
   */
  currentTransaction(relay: {
    currentContext(): RelayContext<object> | undefined;
  }): TxnTokenClaims | undefined;
}

const MAX_REMEMBERED = 10_000;
const MAX_REMEMBERED_HEADERS = 64;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function badClaim(message: string): never {
  throw refuse('ERR_TXN_TOKEN_CLAIM', message);
}

/** The draft's required and typed claims (§9.2); each failure names its claim. */
function checkTxnClaims(claims: Claims, trustDomain: string, now: number, tolerance: number) {
  const { aud, iat, txn, sub, scope, req_wl: requester, tctx, rctx } = claims;
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : undefined;
  if (audiences === undefined || audiences.length === 0) {
    throw refuse('ERR_TXN_TOKEN_AUDIENCE', 'The Txn-Token has no "aud" (its trust domain).');
  }
  if (!audiences.includes(trustDomain)) {
    throw refuse('ERR_TXN_TOKEN_AUDIENCE', 'The Txn-Token "aud" does not name this trust domain.');
  }
  if (typeof iat !== 'number' || !Number.isFinite(iat)) {
    badClaim('The Txn-Token has no numeric "iat" claim.');
  }
  if (iat > now + tolerance) badClaim('The Txn-Token "iat" is in the future.');
  if (!nonEmptyString(txn)) badClaim('The Txn-Token has no "txn" (transaction id) string.');
  if (!nonEmptyString(sub)) badClaim('The Txn-Token has no "sub" string.');
  if (!nonEmptyString(scope)) badClaim('The Txn-Token has no "scope" string.');
  const requesters = typeof requester === 'string' ? [requester] : requester;
  if (
    !Array.isArray(requesters) ||
    requesters.length === 0 ||
    !requesters.every((workload) => nonEmptyString(workload))
  ) {
    badClaim('The Txn-Token "req_wl" must be a workload id string or a list of them.');
  }
  if (tctx !== undefined && !isObject(tctx)) badClaim('The Txn-Token "tctx" is not an object.');
  if (rctx !== undefined && !isObject(rctx)) badClaim('The Txn-Token "rctx" is not an object.');
}

function checkType(header: Claims): void {
  const { typ } = header;
  // RFC 7515 §4.1.9: "application/" may be omitted, and media types compare case-insensitively.
  const type = typeof typ === 'string' ? typ.toLowerCase().replace(/^application\//, '') : typ;
  if (type !== TXN_TOKEN_TYPE) {
    throw refuse(
      'ERR_TXN_TOKEN_TYPE',
      `The token's "typ" is not "${TXN_TOKEN_TYPE}": it is not a Transaction Token.`,
    );
  }
}

function defaultToPassport(claims: TxnTokenClaims): PassportClaims {
  return { ...(claims.tctx ?? {}), sub: claims.sub };
}

/**
 * Transaction Tokens (draft-ietf-oauth-transaction-tokens, editor's copy of 6 July 2026) as a
 * passport codec: header `txn-token`, exactly one value, `typ: txntoken+jwt`, the signature
 * checked with the algorithm pinned per key, `aud` naming the trust domain, `exp` and `iat`
 * checked, `txn`, `sub`, `scope`, `req_wl` present and typed, `tctx` and `rctx` objects. Every
 * refusal has its own code. The relay forwards the token unmodified, as received.
 *
 * Workloads verify only: the codec never mints (`canEncode` is false). Tokens come from a token
 * service: the gateway's local TTS, `TxnTokenMinter`, or a remote TTS through the token-exchange
 * client.
 *
 * @example
 * ```ts
 * import { createRelay, txnTokenCodec } from '@passport-relay/core';
 *
 * const txn = txnTokenCodec({
 *   trustDomain: 'trust-domain.example',
 *   keys: [{ alg: 'ES256', kid: 'tts-1', key: ttsPublicKey }],
 * });
 * export const relay = createRelay({ codec: txn }); // header: txn-token
 * ```
 */
export function txnTokenCodec<T extends object = PassportFields>(
  options: TxnTokenCodecOptions<T>,
): TxnTokenCodec {
  const where = 'txnTokenCodec';
  if (typeof options !== 'object' || options === null) {
    throw badOption(`${where} needs options: { trustDomain, keys }.`);
  }
  const { trustDomain, issuer } = options;
  if (!nonEmptyString(trustDomain)) {
    throw badOption(`${where}: "trustDomain" must name this workload's trust domain (the aud).`);
  }
  if (issuer !== undefined && !nonEmptyString(issuer)) {
    throw badOption(`${where}: "issuer" must be a non-empty string.`);
  }
  const keyList = Array.isArray(options.keys)
    ? options.keys
    : (options.keys as { keys?: readonly JsonWebKey[] } | undefined)?.keys;
  if (!Array.isArray(keyList) || keyList.length === 0) {
    throw badOption(
      `${where}: "keys" must list the token service's public keys ({ alg, key } or JWKs), or be its JWKS { keys: [...] }.`,
    );
  }
  const verifiers: ResolvedTxnTokenKey[] = keyList.map((key, index) =>
    resolveTxnTokenKey(key, `${where}: keys[${index}]`),
  );
  const kids = verifiers.flatMap((verifier) => (verifier.kid === undefined ? [] : [verifier.kid]));
  if (new Set(kids).size !== kids.length) {
    throw badOption(`${where}: two keys share a "kid"; each key needs its own.`);
  }
  const algorithms = new Set<TxnTokenAlgorithm>(verifiers.map((verifier) => verifier.alg));
  const tolerance = options.clockToleranceSeconds ?? 5;
  if (!Number.isFinite(tolerance) || tolerance < 0 || tolerance > 300) {
    throw badOption(`${where}: "clockToleranceSeconds" must be from 0 to 300.`);
  }
  const toPassport = options.toPassport ?? defaultToPassport;
  if (typeof toPassport !== 'function') {
    throw badOption(`${where}: "toPassport" must be a function (claims) => ({ sub, ... }).`);
  }
  const replay =
    options.replay === undefined || options.replay === false
      ? undefined
      : new TxnReplayGuard(options.replay.maxEntries ?? 100_000, `${where}: replay.maxEntries`);

  // Both keyed by what a caller sends (the header is checked before the signature): bounded.
  const headerDecisions = new TtlCache<readonly ResolvedTxnTokenKey[]>(MAX_REMEMBERED_HEADERS);
  const transactions = new TtlCache<TxnTokenClaims>(MAX_REMEMBERED);
  let lastLimits: ResolvedLimits = DEFAULT_LIMITS;

  function candidatesFor(segment: string, limits: ResolvedLimits): readonly ResolvedTxnTokenKey[] {
    const remembered = headerDecisions.get(segment);
    if (remembered !== undefined) return remembered;
    const header = parseJwsHeader(segment, limits);
    checkType(header);
    const candidates = keysFor(verifiers, checkJwsHeader(header, algorithms, 'Txn-Token'));
    if (candidates.length === 0) {
      throw refuse(
        'ERR_PASSPORT_KEY_UNKNOWN',
        'The Txn-Token was signed with a key this workload does not know.',
      );
    }
    headerDecisions.set(segment, candidates, Number.POSITIVE_INFINITY);
    return candidates;
  }

  /** Everything but the time and replay checks: structure, type, signature, claims. */
  function verified(token: string, limits: ResolvedLimits, now: number): TxnTokenClaims {
    if (typeof token !== 'string') {
      throw refuse('ERR_PASSPORT_MALFORMED', 'A Txn-Token must be a string.');
    }
    const claims = verifiedJwsPayload(token, limits, 'Txn-Token', candidatesFor);
    checkTxnClaims(claims, trustDomain, now, tolerance);
    checkIssuer(claims, issuer);
    return claims as TxnTokenClaims;
  }

  function remember(token: string, claims: TxnTokenClaims): void {
    // Never past the token's own expiry: an expired token in a context is verified again.
    transactions.set(token, claims, claims.exp * 1000);
  }

  function transactionOf(token: string | undefined): TxnTokenClaims | undefined {
    if (token === undefined) return undefined;
    const known = transactions.get(token);
    if (known !== undefined) return known;
    try {
      // Verified once already; the relay may have answered from its own cache since.
      const claims = verified(token, lastLimits, Math.floor(Date.now() / 1000));
      remember(token, claims);
      return claims;
    } catch {
      return undefined;
    }
  }

  return {
    mode: 'signed',
    header: TXN_TOKEN_HEADER,
    trustDomain,
    canEncode: false,
    cacheable: replay === undefined,

    decode(token, limits, nowSeconds) {
      lastLimits = limits;
      const claims = verified(token, limits, nowSeconds);
      checkTimeClaims(claims, nowSeconds, tolerance, true);
      replay?.check(claims.txn, claims.exp, nowSeconds);
      remember(token, claims);
      const mapped = toPassport(claims) as Record<string, unknown>;
      if (!isObject(mapped) || !nonEmptyString(mapped.sub)) {
        throw refuse(
          'ERR_TXN_TOKEN_CLAIM',
          'toPassport must return the passport ({ sub, ... }) for a Txn-Token.',
        );
      }
      // The relay caches a passport until its exp: never past the token's. `txn` rides along so
      // diagnostics, log mixins and span attributes name the transaction (never the token).
      return Object.freeze({ ...mapped, txn: claims.txn, exp: claims.exp, iat: claims.iat });
    },

    encode() {
      throw refuse(
        'ERR_PASSPORT_CANNOT_ISSUE',
        "A workload never mints Txn-Tokens: get one from the token service (the gateway's local TTS, txnTokenMinter, or the token-exchange client) and run the work with runInTransaction(relay, token, fn).",
      );
    },

    transactionOf,

    currentTransaction(relay) {
      return transactionOf(relay.currentContext()?.token);
    },
  };
}
