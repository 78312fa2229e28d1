import { isPassportError, PassportError, type PassportErrorCode } from '@passport-relay/core';

/**
 * The `error` parameter of a Bearer challenge (RFC 6750 §3.1): `invalid_request` for a malformed
 * `Authorization` header, `invalid_token` for a token that does not verify. Absent when the request
 * carried no Bearer token at all.
 *
 * @example
 * ```ts
 * new GatewayRefusal('ERR_PASSPORT_MALFORMED', 'Bad header.', { bearerError: 'invalid_request' });
 * ```
 */
export type BearerError = 'invalid_request' | 'invalid_token';

/**
 * Options of the {@link GatewayRefusal} constructor.
 *
 * @example
 * ```ts
 * new GatewayRefusal('ERR_PASSPORT_CLAIM_INVALID', 'Account disabled.', { cause: lookupError });
 * ```
 */
export interface GatewayRefusalOptions {
  /** The underlying error, e.g. jose's; never serialised into a response. */
  readonly cause?: unknown;
  /**
   * The Bearer challenge's `error`.
   * @default undefined for ERR_PASSPORT_MISSING, "invalid_token" otherwise
   */
  readonly bearerError?: BearerError;
}

const brand = Symbol.for('passport-relay.GatewayRefusal');

/**
 * A refusal at the edge: a {@link PassportError} (same `code`, `status` and problem body) that also
 * knows which RFC 6750 Bearer challenge to answer with. The gateway throws it for a missing,
 * malformed or invalid user token; throw one from `toPassport` to refuse a user.
 *
 * @example
 * ```ts
 * createGateway({
 *   ...options,
 *   async toPassport(claims) {
 *     const user = await users.find(claims.sub);
 *     if (user.disabled) throw new GatewayRefusal('ERR_PASSPORT_CLAIM_INVALID', 'This account is disabled.');
 *     return { sub: user.id, roles: user.roles };
 *   },
 * });
 * ```
 */
export class GatewayRefusal extends PassportError {
  /** The Bearer challenge's `error`, or `undefined` when the request sent no Bearer token. */
  readonly bearerError: BearerError | undefined;

  constructor(code: PassportErrorCode, message: string, options: GatewayRefusalOptions = {}) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayRefusal';
    this.bearerError =
      options.bearerError ?? (code === 'ERR_PASSPORT_MISSING' ? undefined : 'invalid_token');
  }

  /** Branded so that `instanceof` holds for refusals created by another copy of this package. */
  get [brand](): true {
    return true;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return isPassportError(value) && (value as unknown as Record<symbol, unknown>)[brand] === true;
  }
}
