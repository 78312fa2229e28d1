/**
 * The registered JWT claims (RFC 7519) a passport may carry. Only `sub` is required.
 *
 * @example
 * ```ts
 * const { sub, exp }: RegisteredClaims = relay.require();
 * ```
 */
export interface RegisteredClaims {
  /** The caller: a user id. Always present. */
  readonly sub: string;
  readonly iss?: string;
  readonly aud?: string | readonly string[];
  readonly exp?: number;
  readonly nbf?: number;
  readonly iat?: number;
  readonly jti?: string;
}

/**
 * The default shape of a passport's own fields when no schema narrows it.
 *
 * @example
 * ```ts
 * const fields: PassportFields = { tenant: 't1', roles: ['admin'] };
 * ```
 */
export type PassportFields = { readonly [claim: string]: unknown };

/**
 * A verified passport: `sub`, the registered claims, and your own fields `T`.
 *
 * Passports are read-only, prototype-free objects.
 *
 * @example
 * ```ts
 * type Fields = { email: string; roles: string[]; tenant: string };
 * const passport: Passport<Fields> = relay.require();
 * passport.tenant;
 * ```
 */
export type Passport<T extends object = PassportFields> = RegisteredClaims & Readonly<T>;

/**
 * What `issue()` accepts: `sub` plus your fields; registered time claims are set by the relay.
 *
 * @example
 * ```ts
 * const claims: PassportClaims<{ tenant: string }> = { sub: 'user-1', tenant: 't1' };
 * relay.issue(claims);
 * ```
 */
export type PassportClaims<T extends object = PassportFields> = {
  readonly sub: string;
} & Readonly<T>;
