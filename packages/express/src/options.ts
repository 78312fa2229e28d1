import type { IncomingMessage } from 'node:http';

/**
 * Options of {@link passportRelay}. Every field is optional; the defaults suit a service behind an
 * edge that mints passports but also serves anonymous callers.
 *
 * @typeParam Req The request type the `required` predicate receives: annotate its parameter (for
 * example `(req: Request) => ...` with Express's `Request`) to read `req.path` and friends.
 */
export interface ExpressRelayOptions<Req extends IncomingMessage = IncomingMessage> {
  /**
   * Refuse requests that carry no passport (`ERR_PASSPORT_MISSING`, 401). A predicate decides per
   * request, so health checks and other open routes stay reachable. A passport that is present is
   * always verified, whatever this says.
   * @default false
   * @example
   * ```ts
   * passportRelay(relay, { required: (req: Request) => req.path !== '/healthz' });
   * ```
   */
  readonly required?: boolean | ((req: Req) => boolean);
  /**
   * What happens to a refused request:
   * - `'respond'`: answer at once with core's `refusalResponse(error)`: the status (401, 400 or 431),
   *   an `application/problem+json` body that never echoes the token, and `WWW-Authenticate` on 401.
   * - `'next'`: call `next(error)` with the `PassportError`, so your Express error handler answers.
   * @default 'respond'
   */
  readonly onRefusal?: 'respond' | 'next';
}
