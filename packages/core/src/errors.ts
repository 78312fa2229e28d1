import { channels } from './diagnostics.js';

/**
 * Every refusal and every misconfiguration surfaces as a {@link PassportError}: a `code` to branch on,
 * the HTTP `status` that code maps to, and the underlying `cause`. Messages describe what is wrong and
 * never contain the token itself.
 */

/**
 * The codes a {@link PassportError} can carry.
 *
 * @example
 * ```ts
 * const code: PassportErrorCode = 'ERR_PASSPORT_EXPIRED';
 * ```
 */
export type PassportErrorCode =
  | 'ERR_PASSPORT_MISSING'
  | 'ERR_PASSPORT_MALFORMED'
  | 'ERR_PASSPORT_TOO_LARGE'
  | 'ERR_PASSPORT_DUPLICATE'
  | 'ERR_PASSPORT_ALGORITHM'
  | 'ERR_PASSPORT_KEY_UNKNOWN'
  | 'ERR_PASSPORT_SIGNATURE'
  | 'ERR_PASSPORT_EXPIRED'
  | 'ERR_PASSPORT_NOT_YET_VALID'
  | 'ERR_PASSPORT_CLAIM_INVALID'
  | 'ERR_PASSPORT_SCHEMA'
  | 'ERR_PASSPORT_UNAVAILABLE'
  | 'ERR_PASSPORT_OPTIONS'
  | 'ERR_PASSPORT_CANNOT_ISSUE'
  | 'ERR_TXN_TOKEN_TYPE'
  | 'ERR_TXN_TOKEN_AUDIENCE'
  | 'ERR_TXN_TOKEN_CLAIM'
  | 'ERR_TXN_TOKEN_REPLAYED'
  | 'ERR_TXN_TOKEN_SCOPE_WIDENED'
  | 'ERR_TXN_TOKEN_ACCESS_TOKEN_EMBEDDED'
  | 'ERR_TTS_UNAVAILABLE'
  | 'ERR_TTS_REFUSED'
  | 'ERR_TTS_RESPONSE';

interface CodeInfo {
  readonly status: number;
  readonly title: string;
}

/**
 * HTTP status and a short, token-free title for each code.
 *
 * @example
 * ```ts
 * PASSPORT_ERRORS.ERR_PASSPORT_EXPIRED.status; // 401
 * ```
 */
export const PASSPORT_ERRORS: Readonly<Record<PassportErrorCode, CodeInfo>> = Object.freeze({
  ERR_PASSPORT_MISSING: { status: 401, title: 'Passport required' },
  ERR_PASSPORT_MALFORMED: { status: 401, title: 'Passport malformed' },
  ERR_PASSPORT_TOO_LARGE: { status: 431, title: 'Passport header too large' },
  ERR_PASSPORT_DUPLICATE: { status: 400, title: 'More than one passport' },
  ERR_PASSPORT_ALGORITHM: { status: 401, title: 'Passport algorithm not allowed' },
  ERR_PASSPORT_KEY_UNKNOWN: { status: 401, title: 'Passport signed with an unknown key' },
  ERR_PASSPORT_SIGNATURE: { status: 401, title: 'Passport signature invalid' },
  ERR_PASSPORT_EXPIRED: { status: 401, title: 'Passport expired' },
  ERR_PASSPORT_NOT_YET_VALID: { status: 401, title: 'Passport not yet valid' },
  ERR_PASSPORT_CLAIM_INVALID: { status: 401, title: 'Passport claim invalid' },
  ERR_PASSPORT_SCHEMA: { status: 401, title: 'Passport does not match the schema' },
  ERR_PASSPORT_UNAVAILABLE: { status: 503, title: 'Verification keys unavailable' },
  ERR_PASSPORT_OPTIONS: { status: 500, title: 'passport-relay misconfigured' },
  ERR_PASSPORT_CANNOT_ISSUE: { status: 500, title: 'Passport cannot be issued' },
  ERR_TXN_TOKEN_TYPE: { status: 401, title: 'Not a Transaction Token (typ)' },
  ERR_TXN_TOKEN_AUDIENCE: { status: 401, title: 'Transaction Token for another trust domain' },
  ERR_TXN_TOKEN_CLAIM: { status: 401, title: 'Transaction Token claim missing or invalid' },
  ERR_TXN_TOKEN_REPLAYED: { status: 401, title: 'Transaction Token replayed' },
  ERR_TXN_TOKEN_SCOPE_WIDENED: { status: 403, title: 'Transaction scope not granted' },
  ERR_TXN_TOKEN_ACCESS_TOKEN_EMBEDDED: {
    status: 500,
    title: 'Transaction Token would embed the access token',
  },
  ERR_TTS_UNAVAILABLE: { status: 503, title: 'Transaction Token Service unavailable' },
  ERR_TTS_REFUSED: { status: 502, title: 'Transaction Token Service refused the request' },
  ERR_TTS_RESPONSE: { status: 502, title: 'Transaction Token Service response invalid' },
});

const brand = Symbol.for('passport-relay.PassportError');

/**
 * The one error type passport-relay throws.
 *
 * `instanceof PassportError` works across duplicate installs (an ESM and a CommonJS copy, or two
 * versions in one tree) because it checks a `Symbol.for` brand rather than the class identity.
 *
 * @example
 * ```ts
 * try {
 *   relay.require();
 * } catch (error) {
 *   if (error instanceof PassportError && error.code === 'ERR_PASSPORT_MISSING') {
 *     // 401
 *   }
 * }
 * ```
 */
export class PassportError extends Error {
  /** Machine-readable reason. */
  readonly code: PassportErrorCode;
  /** HTTP status the code maps to: 401 for refusals, 431 for oversize, 400 for duplicates. */
  readonly status: number;

  constructor(code: PassportErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PassportError';
    this.code = code;
    this.status = PASSPORT_ERRORS[code].status;
  }

  /** Branded so that `instanceof` holds for errors created by another copy of this package. */
  get [brand](): true {
    return true;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return isPassportError(value);
  }
}

/**
 * `true` for a {@link PassportError} from any copy of `@passport-relay/core`.
 *
 * @example
 * ```ts
 * if (isPassportError(err)) reply.status(err.status);
 * ```
 */
export function isPassportError(value: unknown): value is PassportError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[brand] === true
  );
}

/**
 * The media type of a refusal body (RFC 9457).
 *
 * @example
 * ```ts
 * res.setHeader('content-type', PROBLEM_CONTENT_TYPE);
 * ```
 */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * An RFC 9457 problem document for a refused passport.
 *
 * @example
 * ```ts
 * const problem: PassportProblem = toProblem(error);
 * problem.code; // e.g. 'ERR_PASSPORT_EXPIRED'
 * ```
 */
export interface PassportProblem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: PassportErrorCode;
}

/**
 * Whether `error` is this server's problem (status 500 and up: a misconfiguration such as
 * `ERR_PASSPORT_OPTIONS` or an asynchronous schema, `ERR_PASSPORT_CANNOT_ISSUE`, keys that cannot be
 * fetched) rather than the caller's. Its message describes this server's configuration, so a
 * response never carries it.
 *
 * @example
 * ```ts
 * if (isServerSideError(error)) logger.error(error); // the response says only that it failed
 * ```
 */
export function isServerSideError(error: PassportError): boolean {
  return error.status >= 500;
}

/** The detail a response carries instead of a server-side error's message. */
const SERVER_SIDE_DETAIL =
  'This service cannot check passports right now. The cause is published on the passport-relay:failed diagnostics channel.';

/**
 * The RFC 9457 body for a {@link PassportError}. The detail is the error's message, which by
 * construction never contains the token; for a server-side error (status 500 and up) it is a
 * generic sentence, since that message describes this server's configuration.
 *
 * @example
 * ```ts
 * res.status(err.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(toProblem(err)));
 * ```
 */
export function toProblem(error: PassportError): PassportProblem {
  return {
    type: `urn:passport-relay:error:${error.code}`,
    title: PASSPORT_ERRORS[error.code].title,
    status: error.status,
    detail: isServerSideError(error) ? SERVER_SIDE_DETAIL : error.message,
    code: error.code,
  };
}

/**
 * Everything an adapter needs to write a refusal: status, headers and a serialised body.
 *
 * @example
 * ```ts
 * const { status, headers, body }: RefusalResponse = refusalResponse(error);
 * res.writeHead(status, headers).end(body);
 * ```
 */
export interface RefusalResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * The full HTTP response for a refusal, so that every adapter answers identically: the status, an
 * `application/problem+json` body and, for 401, the `WWW-Authenticate` challenge HTTP requires.
 * A server-side error (see {@link isServerSideError}) gets a generic detail, and the error itself
 * is published on the `passport-relay:failed` diagnostics channel for the operator.
 *
 * @example
 * ```ts
 * const { status, headers, body } = refusalResponse(err);
 * res.writeHead(status, headers).end(body);
 * ```
 */
export function refusalResponse(error: PassportError): RefusalResponse {
  const headers: Record<string, string> = { 'content-type': PROBLEM_CONTENT_TYPE };
  if (error.status === 401) headers['www-authenticate'] = `Passport error="${error.code}"`;
  if (isServerSideError(error) && channels.failed.hasSubscribers)
    channels.failed.publish({ error });
  return { status: error.status, headers, body: JSON.stringify(toProblem(error)) };
}

/** Shorthand used across core: a refusal with a code and a message. */
export function refuse(code: PassportErrorCode, message: string, cause?: unknown): PassportError {
  return cause === undefined
    ? new PassportError(code, message)
    : new PassportError(code, message, { cause });
}

/** Shorthand for a misconfiguration found while options are validated. */
export function badOption(message: string): PassportError {
  return new PassportError('ERR_PASSPORT_OPTIONS', message);
}
