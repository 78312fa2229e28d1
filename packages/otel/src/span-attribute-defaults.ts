/**
 * The span attributes `spanAttributes: true` sets on the server span, per the OpenTelemetry
 * semantic conventions: `sub` → `enduser.id`, `roles` → `user.roles` (which replaced the deprecated
 * `enduser.role`). Spread it to extend it: `{ ...DEFAULT_SPAN_ATTRIBUTES, tenant: 'tenant.id' }`.
 *
 * @example
 * ```ts
 * new PassportPropagator({ relay, spanAttributes: { ...DEFAULT_SPAN_ATTRIBUTES, email: 'user.email' } });
 * ```
 */
export const DEFAULT_SPAN_ATTRIBUTES: Readonly<Record<string, string>> = Object.freeze({
  sub: 'enduser.id',
  roles: 'user.roles',
});
