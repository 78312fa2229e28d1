import type { PassportFields, Relay } from '@passport-relay/core';
import type { FastifyRequest } from 'fastify';

/**
 * The fields `request.passport` is typed with: every claim as `unknown` until you augment it with
 * your schema's fields, as `@fastify/request-context` types its data.
 *
 * @example
 * ```ts
 * declare module '@passport-relay/fastify' {
 *   interface FastifyPassportFields {
 *     tenant: string;
 *     roles: string[];
 *   }
 * }
 * app.get('/orders', async (request) => request.passport?.tenant); // string | undefined
 * ```
 */
export interface FastifyPassportFields extends PassportFields {}

/** The request hooks the passport can be verified in. */
export type PassportHook = 'onRequest' | 'preParsing' | 'preValidation' | 'preHandler';

/**
 * Options of the {@link passportRelay} plugin. Only `relay` is required.
 */
export interface FastifyRelayOptions {
  /**
   * The relay from `createRelay()`: it verifies passports and owns the context. A relay of any
   * passport type is accepted; to type `request.passport` with your schema's fields, augment
   * {@link FastifyPassportFields}.
   */
  readonly relay: Relay<object>;
  /**
   * Refuse requests that carry no passport (`ERR_PASSPORT_MISSING`, 401). A predicate decides per
   * request, so health checks and other open routes stay reachable. A passport that is present is
   * always verified, whatever this says.
   * @default false
   * @example
   * ```ts
   * app.register(passportRelay, { relay, required: (request) => request.url !== '/healthz' });
   * ```
   */
  readonly required?: boolean | ((request: FastifyRequest) => boolean);
  /**
   * What happens to a refused request:
   * - `'respond'`: reply at once with core's `refusalResponse(error)`: the status (401, 400 or 431),
   *   an `application/problem+json` body that never echoes the token, and `WWW-Authenticate` on 401.
   * - `'error'`: hand the `PassportError` to Fastify's error handler (`setErrorHandler`); its
   *   `status` carries the HTTP status.
   * @default 'respond'
   */
  readonly onRefusal?: 'respond' | 'error';
  /**
   * The hook that verifies the passport and enters the context. `onRequest` refuses before the body
   * is read. With `onRequest` or `preParsing` the context is entered again in `preValidation`, so
   * validation, `preHandler` hooks and the handler run as this request's caller even when a hook
   * in between resumed the request from another scope (a queue, a concurrency limiter).
   * @default 'onRequest'
   */
  readonly hook?: PassportHook;
}
