import type { PassportClaims, PassportFields } from '@passport-relay/core';
import { GatewayRefusal } from './gateway-refusal.js';

/**
 * The verified claims of the user's bearer token, as the identity provider issued them. The
 * gateway has checked the signature, `iss`, `aud`, `exp` and `nbf` before anything sees them.
 *
 * @example
 * ```ts
 * const toPassport = (claims: UserClaims) => ({ sub: String(claims.sub), scope: claims.scope });
 * ```
 */
export interface UserClaims {
  readonly iss?: string;
  readonly sub?: string;
  readonly aud?: string | readonly string[];
  readonly exp?: number;
  readonly nbf?: number;
  readonly iat?: number;
  readonly jti?: string;
  readonly [claim: string]: unknown;
}

/**
 * Turns verified user claims into the passport's claims. May be async, e.g. to load a profile.
 * Throw a `GatewayRefusal` (or any `PassportError`) to refuse the user.
 *
 * @example
 * ```ts
 * const toPassport: ToPassport<{ tenant: string }> = async (claims) => ({
 *   sub: String(claims.sub),
 *   tenant: (await profiles.get(String(claims.sub))).tenant,
 * });
 * ```
 */
export type ToPassport<T extends object = PassportFields, R = unknown> = (
  claims: UserClaims,
  request: R,
) => PassportClaims<T> | Promise<PassportClaims<T>>;

/**
 * What {@link defaultToPassport} produces; each field only when the token has it.
 *
 * @example
 * ```ts
 * const relay = createRelay<DefaultPassportFields>({ codec });
 * relay.current()?.roles;
 * ```
 */
export interface DefaultPassportFields {
  readonly email?: string;
  readonly name?: string;
  readonly roles?: readonly string[];
  readonly groups?: readonly string[];
  readonly tenant?: string;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function texts(value: unknown): readonly string[] | undefined {
  if (typeof value === 'string' && value.length > 0) return [value];
  if (!Array.isArray(value)) return undefined;
  return value.every((item) => typeof item === 'string') ? [...value] : undefined;
}

/**
 * The mapping used when `toPassport` is not given: `sub` plus, when present with the right type,
 * `email`, `name`, `roles`, `groups` and `tenant` (a single string role or group becomes a list).
 * Nothing else from the user token is copied, so provider-internal claims stay at the edge. A token
 * without a `sub` is refused (`ERR_PASSPORT_CLAIM_INVALID`).
 *
 * @example
 * ```ts
 * defaultToPassport({ sub: 'u1', email: 'a@example.com', roles: ['admin'], azp: 'web' });
 * // { sub: 'u1', email: 'a@example.com', roles: ['admin'] }
 * ```
 */
export function defaultToPassport(claims: UserClaims): PassportClaims<DefaultPassportFields> {
  const sub = text(claims.sub);
  if (sub === undefined) {
    throw new GatewayRefusal('ERR_PASSPORT_CLAIM_INVALID', 'The bearer token has no "sub" claim.');
  }
  const passport: Record<string, unknown> = { sub };
  const email = text(claims.email);
  if (email !== undefined) passport.email = email;
  const name = text(claims.name);
  if (name !== undefined) passport.name = name;
  const roles = texts(claims.roles);
  if (roles !== undefined) passport.roles = roles;
  const groups = texts(claims.groups);
  if (groups !== undefined) passport.groups = groups;
  const tenant = text(claims.tenant);
  if (tenant !== undefined) passport.tenant = tenant;
  return passport as PassportClaims<DefaultPassportFields>;
}
