import type { Context } from 'hono';

/**
 * Options of {@link passportRelay}. Every field is optional; the defaults suit a service behind an
 * edge that mints passports but also serves anonymous callers.
 * @example
 * ```ts
 * app.use(passportRelay(relay, { required: true, onRefusal: 'throw' }));
 * ```
 */
export interface HonoRelayOptions {
  /**
   * Refuse requests that carry no passport (`ERR_PASSPORT_MISSING`, 401). A predicate decides per
   * request, so health checks stay open. A passport that is present is always verified.
   * @default false
   * @example
   * ```ts
   * passportRelay(relay, { required: (c) => c.req.path !== '/healthz' });
   * ```
   */
  readonly required?: boolean | ((c: Context) => boolean);
  /**
   * What happens to a refused request:
   * - `'respond'`: answer at once with core's `refusalResponse(error)`: the status (401, 400 or
   *   431), an `application/problem+json` body that never echoes the token, `WWW-Authenticate` on 401.
   * - `'throw'`: throw the `PassportError` (its `status` is the HTTP status) to `app.onError`.
   * @default 'respond'
   */
  readonly onRefusal?: 'respond' | 'throw';
}
