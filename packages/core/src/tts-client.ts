import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RequestOptions } from 'node:https';
import { isIP } from 'node:net';
import { badOption, PassportError, type PassportErrorCode, refuse } from './errors.js';
import { encodeBase64url } from './internal/base64url.js';
import { DEFAULT_LIMITS } from './limits.js';
import type { TxnTokenClaims, TxnTokenCodec } from './txn-token-codec.js';
import { resolveTxnTokenSigner, type TxnTokenKey } from './txn-token-keys.js';

/**
 * The RFC 8693 token-exchange `grant_type` a Txn-Token Request is sent with (draft §11.1).
 *
 * @example
 * ```ts
 * // A token service of your own (a test TTS) accepts only this grant:
 * if (form.get('grant_type') !== TOKEN_EXCHANGE_GRANT) {
 *   return res.status(400).json({ error: 'unsupported_grant_type' });
 * }
 * ```
 */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';

/**
 * The token type URN of a Transaction Token (draft §11.1): the `requested_token_type` sent and
 * the `issued_token_type` a token service must answer with.
 *
 * @example
 * ```ts
 * res.json({ access_token: token, issued_token_type: TXN_TOKEN_TYPE_URN, token_type: 'N_A' });
 * ```
 */
export const TXN_TOKEN_TYPE_URN = 'urn:ietf:params:oauth:token-type:txn_token';

/**
 * The subject token types a Txn-Token Request may carry (draft §11.2; never a refresh token).
 *
 * @example
 * ```ts
 * await tts.exchange({
 *   subjectToken: inboundAccessToken,
 *   subjectTokenType: SUBJECT_TOKEN_TYPES.accessToken,
 *   scope: 'orders.read',
 * });
 * ```
 */
export const SUBJECT_TOKEN_TYPES = Object.freeze({
  accessToken: 'urn:ietf:params:oauth:token-type:access_token',
  jwt: 'urn:ietf:params:oauth:token-type:jwt',
  idToken: 'urn:ietf:params:oauth:token-type:id_token',
  selfSigned: 'urn:ietf:params:oauth:token-type:self_signed',
  unsignedJson: 'urn:ietf:params:oauth:token-type:unsigned_json',
} as const);

const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const REFRESH_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:refresh_token';
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * How the workload proves its identity to the token service (draft §11.5: asymmetric methods).
 *
 * - `private_key_jwt` (RFC 7523 §2.2): a short-lived JWT signed with the workload's private key.
 * - `tls_client_auth` (RFC 8705): the TLS client certificate itself; give `cert` and `key` in `tls`.
 *
 * @example
 * ```ts
 * const signed: TtsClientAuth = {
 *   method: 'private_key_jwt',
 *   key: { alg: 'ES256', kid: 'billing-1', key: privateKey },
 * };
 * const mutualTls: TtsClientAuth = { method: 'tls_client_auth' }; // with tls: { cert, key }
 * ```
 */
export type TtsClientAuth =
  | {
      readonly method: 'private_key_jwt';
      /** The workload's private key (ES256, RS256, PS256 or EdDSA), with the `kid` the TTS knows. */
      readonly key: TxnTokenKey;
      /**
       * The assertion's `aud`: the token service's issuer identifier.
       * @default the token endpoint URL
       */
      readonly audience?: string;
    }
  | { readonly method: 'tls_client_auth' };

/**
 * Options of {@link createTtsClient}.
 *
 * @example
 * ```ts
 * const options: TtsClientOptions = {
 *   tokenEndpoint: 'https://tts.trust-domain.example/token',
 *   clientId: 'billing-worker',
 *   clientAuth: { method: 'tls_client_auth' },
 *   tls: { ca: ttsCa, cert: workloadCert, key: workloadKey },
 *   codec: txnTokenCodec({ trustDomain: 'trust-domain.example', keys: ttsJwks }),
 * };
 * const tts = createTtsClient(options);
 * ```
 */
export interface TtsClientOptions {
  /** The token endpoint: `https:` only (see `allowInsecureLoopback`). */
  readonly tokenEndpoint: string | URL;
  /** This workload's OAuth client id at the token service. */
  readonly clientId: string;
  readonly clientAuth: TtsClientAuth;
  /**
   * Verifies every issued token before it is used: its keys are the TTS's, its trust domain is
   * the `audience` sent.
   */
  readonly codec: TxnTokenCodec;
  /** TLS settings for `https:`: the CA that signs the TTS's certificate, and for mTLS `cert`/`key`. */
  readonly tls?: Pick<RequestOptions, 'ca' | 'cert' | 'key' | 'servername'>;
  /**
   * Abort one attempt after this long.
   * @default 2000
   */
  readonly timeoutMs?: number;
  /**
   * Attempts after the first, only when the TTS cannot be reached, times out, or answers 5xx. Never
   * for an OAuth error the TTS returns.
   * @default 1
   */
  readonly retries?: number;
  /**
   * Accept an `http:` token endpoint on a loopback address (127.0.0.0/8, ::1, localhost): for tests
   * only. Anything else must be `https:`, as subject tokens are credentials.
   * @default false
   */
  readonly allowInsecureLoopback?: boolean;
}

/**
 * One Txn-Token Request (draft §11.1).
 *
 * @example
 * ```ts
 * const request: TxnTokenExchange = {
 *   subjectToken: unsignedJsonSubjectToken({ sub: 'billing-worker' }),
 *   subjectTokenType: SUBJECT_TOKEN_TYPES.unsignedJson,
 *   scope: ['invoices.send'],
 *   requestDetails: { invoice: 'inv-42' },
 * };
 * const { token } = await tts.exchange(request);
 * ```
 */
export interface TxnTokenExchange {
  /** The subject: the inbound access token, a self-signed JWT, or unsigned JSON. */
  readonly subjectToken: string;
  /** One of {@link SUBJECT_TOKEN_TYPES} or a URN agreed with the TTS. */
  readonly subjectTokenType: string;
  /** The purpose of the transaction, as narrow as possible. */
  readonly scope: string | readonly string[];
  /** Sent as `request_context`, e.g. `{ req_ip }`. */
  readonly requestContext?: Readonly<Record<string, unknown>>;
  /** Sent as `request_details`, the TTS's input for `tctx`. */
  readonly requestDetails?: Readonly<Record<string, unknown>>;
}

/**
 * A verified Txn-Token from the token service: the token to send on, and its claims to log.
 *
 * @example
 * ```ts
 * const { token, claims }: IssuedTxnToken = await tts.exchange(request);
 * log.info({ txn: claims.txn }, 'transaction started');
 * await runInTransaction(relay, token, () => sendInvoices());
 * ```
 */
export interface IssuedTxnToken {
  readonly token: string;
  readonly claims: TxnTokenClaims;
}

/**
 * A client for a remote Transaction Token Service. See {@link createTtsClient}.
 *
 * @example
 * ```ts
 * const { token } = await tts.exchange({ subjectToken, subjectTokenType, scope: 'orders.read' });
 * ```
 */
export interface TtsClient {
  /** Exchange a subject token for a verified Txn-Token; rejects with a `PassportError`. */
  exchange(request: TxnTokenExchange): Promise<IssuedTxnToken>;
}

/**
 * The error a token service answered with (RFC 6749 §5.2), as `ERR_TTS_REFUSED` (502): `oauthError`
 * is its `error` code (`invalid_request`, `invalid_grant`, `unauthorized_client`, ...).
 *
 * @example
 * ```ts
 * if (error instanceof TokenServiceError && error.oauthError === 'invalid_grant') reauthenticate();
 * ```
 */
export class TokenServiceError extends PassportError {
  /** The `error` the TTS returned. */
  readonly oauthError: string;
  /** Its `error_description`, printable ASCII, at most 200 characters. */
  readonly description: string | undefined;

  constructor(oauthError: string, description: string | undefined, httpStatus: number) {
    super(
      'ERR_TTS_REFUSED',
      `The Transaction Token Service refused the request (HTTP ${httpStatus}): ${oauthError}${description === undefined ? '' : ` (${description})`}.`,
    );
    this.name = 'TokenServiceError';
    this.oauthError = oauthError;
    this.description = description;
  }
}

/** RFC 6749 §5.2: `error` and `error_description` are printable ASCII without `"` and `\`. */
function oauthText(value: unknown, max: number): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return undefined;
  const clean = value.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, '').slice(0, max);
  return clean.length === 0 ? undefined : clean;
}

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

function resolveEndpoint(value: string | URL, allowInsecureLoopback: boolean): URL {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw badOption('createTtsClient: "tokenEndpoint" is not a URL.');
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && allowInsecureLoopback && isLoopback(url.hostname)) return url;
  throw badOption(
    'createTtsClient: "tokenEndpoint" must be https: (subject tokens are credentials); http: is accepted only on loopback with allowInsecureLoopback, for tests.',
  );
}

interface HttpReply {
  readonly status: number;
  readonly body: string;
}

class Unreachable extends Error {}

/**
 * A client for a remote Transaction Token Service: the token-exchange profile of
 * draft-ietf-oauth-transaction-tokens §11 (RFC 8693), with `private_key_jwt` (RFC 7523) or mutual
 * TLS client authentication.
 *
 * Each response is checked (`issued_token_type` is the Txn-Token type, `token_type` is `N_A`, no
 * `refresh_token`) and the token verified with `codec` before it is returned. Timeouts and retries
 * are bounded; OAuth errors become {@link TokenServiceError}s. The subject token is sent in the
 * request body only and never appears in an error or a log.
 *
 * @example
 * ```ts
 * const tts = createTtsClient({
 *   tokenEndpoint: 'https://tts.trust-domain.example/token',
 *   clientId: 'billing-worker',
 *   clientAuth: { method: 'private_key_jwt', key: { alg: 'ES256', kid: 'w-1', key: privateKey } },
 *   codec: txnTokenCodec({ trustDomain: 'trust-domain.example', keys: ttsJwks }),
 * });
 * const { token } = await tts.exchange({
 *   subjectToken: JSON.stringify({ sub: 'billing-worker' }),
 *   subjectTokenType: SUBJECT_TOKEN_TYPES.unsignedJson,
 *   scope: 'invoices.send',
 * });
 * ```
 */
export function createTtsClient(options: TtsClientOptions): TtsClient {
  const where = 'createTtsClient';
  if (typeof options !== 'object' || options === null) {
    throw badOption(`${where} needs { tokenEndpoint, clientId, clientAuth, codec }.`);
  }
  const endpoint = resolveEndpoint(options.tokenEndpoint, options.allowInsecureLoopback === true);
  const { clientId, clientAuth, codec } = options;
  if (typeof clientId !== 'string' || clientId.length === 0) {
    throw badOption(`${where}: "clientId" must be the workload's client id at the TTS.`);
  }
  if (typeof codec?.transactionOf !== 'function' || typeof codec.trustDomain !== 'string') {
    throw badOption(`${where}: "codec" must be a txnTokenCodec({ trustDomain, keys }).`);
  }
  const timeoutMs = options.timeoutMs ?? 2000;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 60_000) {
    throw badOption(`${where}: "timeoutMs" must be an integer from 1 to 60000.`);
  }
  const retries = options.retries ?? 1;
  if (!Number.isInteger(retries) || retries < 0 || retries > 5) {
    throw badOption(`${where}: "retries" must be an integer from 0 to 5.`);
  }
  let assertion: (() => string) | undefined;
  if (clientAuth?.method === 'private_key_jwt') {
    const signer = resolveTxnTokenSigner(clientAuth.key, `${where}: clientAuth.key`);
    const audience = clientAuth.audience ?? endpoint.href;
    const header = encodeBase64url(
      JSON.stringify(
        signer.kid === undefined
          ? { alg: signer.alg, typ: 'JWT' }
          : { alg: signer.alg, kid: signer.kid, typ: 'JWT' },
      ),
    );
    assertion = () => {
      const now = Math.floor(Date.now() / 1000);
      const payload = encodeBase64url(
        JSON.stringify({
          iss: clientId,
          sub: clientId,
          aud: audience,
          jti: randomUUID(),
          iat: now,
          exp: now + 60,
        }),
      );
      const input = `${header}.${payload}`;
      return `${input}.${encodeBase64url(signer.sign(input))}`;
    };
  } else if (clientAuth?.method === 'tls_client_auth') {
    if (endpoint.protocol !== 'https:' || options.tls?.cert === undefined) {
      throw badOption(
        `${where}: tls_client_auth needs an https: endpoint and tls: { cert, key } (the workload's certificate).`,
      );
    }
  } else {
    throw badOption(
      `${where}: "clientAuth" must be { method: 'private_key_jwt', key } or { method: 'tls_client_auth' }.`,
    );
  }
  // Loaded on the first exchange, not when core is imported: most relays never call a token
  // service, and on Node 26 importing node:http also sets undici's global dispatchers.
  const transport = endpoint.protocol === 'https:' ? 'node:https' : 'node:http';

  async function post(body: string): Promise<HttpReply> {
    const { request: send } = (await import(transport)) as typeof import('node:https');
    return new Promise((resolve, reject) => {
      const request = send(
        endpoint,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'content-length': Buffer.byteLength(body),
            accept: 'application/json',
          },
          ...(endpoint.protocol === 'https:' ? options.tls : {}),
          timeout: timeoutMs,
        },
        (response: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES) {
              request.destroy(new Unreachable('response too large'));
              return;
            }
            chunks.push(chunk);
          });
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          response.on('error', (error) => reject(new Unreachable(error.message)));
        },
      );
      // `timeout` covers an idle socket; this bounds the whole attempt.
      const timer = setTimeout(() => request.destroy(new Unreachable('timed out')), timeoutMs);
      request.on('close', () => clearTimeout(timer));
      request.on('timeout', () => request.destroy(new Unreachable('timed out')));
      request.on('error', (error) =>
        reject(error instanceof Unreachable ? error : new Unreachable(error.message)),
      );
      request.end(body);
    });
  }

  function failure(code: PassportErrorCode, message: string, cause?: unknown): PassportError {
    return refuse(code, message, cause);
  }

  function checkResponse(reply: HttpReply): string {
    let json: unknown;
    try {
      json = JSON.parse(reply.body);
    } catch {
      json = undefined;
    }
    const fields = (typeof json === 'object' && json !== null ? json : {}) as Record<
      string,
      unknown
    >;
    if (reply.status !== 200) {
      const oauthError = oauthText(fields.error, 64);
      if (oauthError !== undefined) {
        throw new TokenServiceError(
          oauthError,
          oauthText(fields.error_description, 200),
          reply.status,
        );
      }
      throw failure(
        'ERR_TTS_RESPONSE',
        `The Transaction Token Service answered HTTP ${reply.status} without an OAuth error.`,
      );
    }
    if (json === undefined) {
      throw failure('ERR_TTS_RESPONSE', 'The Transaction Token Service answered non-JSON.');
    }
    if (fields.issued_token_type !== TXN_TOKEN_TYPE_URN) {
      throw failure(
        'ERR_TTS_RESPONSE',
        `The token service issued "${oauthText(fields.issued_token_type, 100) ?? ''}", not a Txn-Token (${TXN_TOKEN_TYPE_URN}).`,
      );
    }
    if (typeof fields.token_type !== 'string' || fields.token_type.toUpperCase() !== 'N_A') {
      throw failure(
        'ERR_TTS_RESPONSE',
        'The token service response has a token_type other than N_A: a Txn-Token is not a bearer access token.',
      );
    }
    if (fields.refresh_token !== undefined) {
      throw failure(
        'ERR_TTS_RESPONSE',
        'The token service response includes a refresh_token, which the draft forbids.',
      );
    }
    if (typeof fields.access_token !== 'string' || fields.access_token.length === 0) {
      throw failure('ERR_TTS_RESPONSE', 'The token service response has no access_token.');
    }
    return fields.access_token;
  }

  function verify(token: string): IssuedTxnToken {
    try {
      codec.decode(token, DEFAULT_LIMITS, Math.floor(Date.now() / 1000));
    } catch (cause) {
      const reason = cause instanceof PassportError ? cause.code : 'an error';
      throw failure(
        'ERR_TTS_RESPONSE',
        `The Txn-Token the token service issued does not verify (${reason}); it is not used.`,
        cause,
      );
    }
    const claims = codec.transactionOf(token);
    if (claims === undefined) {
      throw failure('ERR_TTS_RESPONSE', 'The issued Txn-Token could not be read back.');
    }
    return { token, claims };
  }

  return Object.freeze({
    async exchange(exchange: TxnTokenExchange): Promise<IssuedTxnToken> {
      const { subjectToken, subjectTokenType, scope, requestContext, requestDetails } =
        exchange ?? ({} as TxnTokenExchange);
      if (typeof subjectToken !== 'string' || subjectToken.length === 0) {
        throw badOption('tts.exchange: "subjectToken" is required.');
      }
      if (typeof subjectTokenType !== 'string' || subjectTokenType === REFRESH_TOKEN_TYPE) {
        throw badOption(
          'tts.exchange: "subjectTokenType" must be a token type URI, and never a refresh token (draft §13.3).',
        );
      }
      const scopeText = typeof scope === 'string' ? scope : [...(scope ?? [])].join(' ');
      if (scopeText.trim().length === 0) {
        throw badOption('tts.exchange: "scope" is required: the purpose of the transaction.');
      }
      const form = new URLSearchParams({
        grant_type: TOKEN_EXCHANGE_GRANT,
        requested_token_type: TXN_TOKEN_TYPE_URN,
        audience: codec.trustDomain,
        scope: scopeText,
        subject_token: subjectToken,
        subject_token_type: subjectTokenType,
        client_id: clientId,
      });
      if (requestContext !== undefined) form.set('request_context', JSON.stringify(requestContext));
      if (requestDetails !== undefined) form.set('request_details', JSON.stringify(requestDetails));
      let lastCause: unknown;
      for (let attempt = 0; attempt <= retries; attempt++) {
        // A fresh assertion per attempt: a TTS may refuse a reused jti.
        if (assertion !== undefined) {
          form.set('client_assertion_type', JWT_BEARER_ASSERTION);
          form.set('client_assertion', assertion());
        }
        let reply: HttpReply;
        try {
          reply = await post(form.toString());
        } catch (cause) {
          lastCause = cause;
          continue;
        }
        if (reply.status >= 500) {
          lastCause = new Unreachable(`HTTP ${reply.status}`);
          continue;
        }
        return verify(checkResponse(reply));
      }
      throw failure(
        'ERR_TTS_UNAVAILABLE',
        `The Transaction Token Service could not be reached after ${retries + 1} attempt(s): ${(lastCause as Error)?.message ?? 'unknown error'}.`,
        lastCause,
      );
    },
  });
}
