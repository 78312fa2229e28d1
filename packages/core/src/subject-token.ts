import { randomUUID } from 'node:crypto';
import { badOption } from './errors.js';
import { encodeBase64url } from './internal/base64url.js';
import { resolveTxnTokenSigner, type TxnTokenKey } from './txn-token-keys.js';

/**
 * Options of {@link selfSignedSubjectToken}.
 *
 * @example
 * ```ts
 * const options: SelfSignedSubjectOptions = {
 *   key: { alg: 'EdDSA', kid: 'billing-1', key: privateKey },
 *   workloadId: 'billing-worker',
 *   sub: 'billing-worker',
 *   tokenService: 'https://tts.trust-domain.example',
 *   ttlSeconds: 30,
 * };
 * const subjectToken = selfSignedSubjectToken(options);
 * ```
 */
export interface SelfSignedSubjectOptions {
  /** The workload's private key, the one the TTS knows it by. */
  readonly key: TxnTokenKey;
  /** The requesting workload's id, written as `iss`. */
  readonly workloadId: string;
  /** The subject the transaction runs for: the workload itself, or a user it acts for. */
  readonly sub: string;
  /** The TTS's identifier, written as `aud`. */
  readonly tokenService: string;
  /**
   * Lifetime.
   * @default 60
   */
  readonly ttlSeconds?: number;
  /** More claims for the TTS to consider. */
  readonly claims?: Readonly<Record<string, unknown>>;
}

/**
 * A self-signed JWT subject token (draft-ietf-oauth-transaction-tokens §11.2.1), for a workload
 * that starts a transaction with no inbound token: a cron job, a queue consumer. Send it with
 * `subjectTokenType: SUBJECT_TOKEN_TYPES.selfSigned`.
 *
 * @example
 * ```ts
 * const subjectToken = selfSignedSubjectToken({
 *   key: { alg: 'ES256', kid: 'billing-1', key: privateKey },
 *   workloadId: 'billing-worker',
 *   sub: 'billing-worker',
 *   tokenService: 'https://tts.trust-domain.example',
 * });
 * ```
 */
export function selfSignedSubjectToken(options: SelfSignedSubjectOptions): string {
  const where = 'selfSignedSubjectToken';
  for (const name of ['workloadId', 'sub', 'tokenService'] as const) {
    if (typeof options?.[name] !== 'string' || options[name].length === 0) {
      throw badOption(`${where}: "${name}" must be a non-empty string.`);
    }
  }
  const ttlSeconds = options.ttlSeconds ?? 60;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > 3600) {
    throw badOption(`${where}: "ttlSeconds" must be an integer from 1 to 3600.`);
  }
  const signer = resolveTxnTokenSigner(options.key, `${where}: key`);
  const now = Math.floor(Date.now() / 1000);
  const header = {
    alg: signer.alg,
    typ: 'JWT',
    ...(signer.kid === undefined ? {} : { kid: signer.kid }),
  };
  const payload = {
    ...options.claims,
    iss: options.workloadId,
    sub: options.sub,
    aud: options.tokenService,
    iat: now,
    exp: now + ttlSeconds,
    jti: randomUUID(),
  };
  const input = `${encodeBase64url(JSON.stringify(header))}.${encodeBase64url(JSON.stringify(payload))}`;
  return `${input}.${encodeBase64url(signer.sign(input))}`;
}

/**
 * An unsigned JSON subject token (draft §11.2.2): `{ sub, ... }` as JSON, for a TTS that trusts the
 * requesting workload's client authentication alone. Send it with
 * `subjectTokenType: SUBJECT_TOKEN_TYPES.unsignedJson`.
 *
 * @example
 * ```ts
 * const subjectToken = unsignedJsonSubjectToken({ sub: 'billing-worker' });
 * ```
 */
export function unsignedJsonSubjectToken(
  fields: { readonly sub: string } & Record<string, unknown>,
): string {
  if (typeof fields?.sub !== 'string' || fields.sub.length === 0) {
    throw badOption('unsignedJsonSubjectToken: "sub" must be a non-empty string.');
  }
  return JSON.stringify(fields);
}
