import { type Context, context } from '@opentelemetry/api';
import type { PassportError } from '@passport-relay/core';
import { REFUSAL_KEY } from './internal/context-keys.js';

/**
 * The `PassportError` {@link PassportPropagator} recorded when it refused the inbound passport of
 * the request being served, or `undefined` (accepted, or none sent). A propagator cannot answer a
 * request, so a plain `node:http` handler answers the refusal itself; inbound adapters
 * (`@passport-relay/express`, `/fastify`, `/nest`) verify and refuse on their own.
 *
 * @param ctx The context to look in.
 * @default ctx context.active()
 * @example
 * ```ts
 * import { refusalResponse } from '@passport-relay/core';
 *
 * http.createServer((req, res) => {
 *   const refused = passportRefusal();
 *   if (refused) {
 *     const { status, headers, body } = refusalResponse(refused);
 *     return res.writeHead(status, headers).end(body);
 *   }
 *   res.end(relay.current()?.sub);
 * });
 * ```
 */
export function passportRefusal(ctx: Context = context.active()): PassportError | undefined {
  return ctx.getValue(REFUSAL_KEY) as PassportError | undefined;
}
