import type { IncomingMessage, ServerResponse } from 'node:http';
import { isPassportError, type PassportFields } from '@passport-relay/core';
import { checkOptions, runNodeRequest, writeRefusal } from '@passport-relay/core/adapter';
import type { Gateway } from './gateway.js';
import { admit, checkAdapterOptions } from './internal/node-request.js';
import { type JwksResponseOptions, jwksResponse, type PublishedKeys } from './jwks-endpoint.js';

/**
 * Options of {@link gatewayMiddleware}.
 *
 * @example
 * ```ts
 * app.use(gatewayMiddleware(gateway, { required: (req) => !req.url?.startsWith('/public/') }));
 * ```
 */
export interface GatewayMiddlewareOptions<Req extends IncomingMessage = IncomingMessage> {
  /**
   * Whether a request needs a Bearer token: `false` (or a function returning `false` for the
   * request) lets requests without one through anonymously. A token that is sent is always
   * verified, and a bad one refused.
   * @default true
   */
  readonly required?: boolean | ((req: Req) => boolean);
}

/**
 * An Express middleware, typed on Node's request and response so it needs no Express types.
 *
 * @example
 * ```ts
 * const middleware: GatewayMiddleware = gatewayMiddleware(gateway);
 * app.use(middleware);
 * ```
 */
export type GatewayMiddleware<Req extends IncomingMessage = IncomingMessage> = (
  req: Req,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

/**
 * Express middleware for the edge. Register it first: it removes client-supplied passports and
 * `stripHeaders` from the request before anything else sees them, verifies the Bearer token, sets
 * the minted passport on `req.headers` (so a proxy forwarding them sends it on), and runs the rest
 * of the request inside the relay's context, so `relay.current()` and the outbound hooks see it.
 * Refusals are answered here: 401 with a `WWW-Authenticate: Bearer` challenge and a problem body.
 * Other errors (a JWKS that cannot be fetched: `status` 503) go to `next(error)`.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { gatewayMiddleware } from '@passport-relay/gateway/express';
 *
 * const app = express();
 * app.use(gatewayMiddleware(gateway));
 * app.get('/me', (req, res) => res.json(relay.current()));
 * ```
 */
export function gatewayMiddleware<
  T extends object = PassportFields,
  Req extends IncomingMessage = IncomingMessage,
>(gateway: Gateway<T, Req>, options: GatewayMiddlewareOptions<Req> = {}): GatewayMiddleware<Req> {
  checkOptions('gatewayMiddleware', options, {
    known: ['required'],
    example: 'gatewayMiddleware(gateway, { required: false })',
  });
  const required = checkAdapterOptions<Req>(gateway, options.required, 'gatewayMiddleware');
  const stripped = new Set(gateway.stripHeaders);
  const { relay } = gateway;

  return function passportGateway(req, res, next) {
    admit(gateway, stripped, req, req, required).then(
      (result) => runNodeRequest(relay, result.context, req, res, () => next()),
      (error: unknown) => {
        if (!isPassportError(error) || res.headersSent) return next(error);
        writeRefusal(res, gateway.refusal(error));
      },
    );
  };
}

/**
 * An Express handler that publishes the edge's passport verification keys (a key ring's JWKS).
 * Mount it before {@link gatewayMiddleware}: the JWKS is public, services fetch it without a token.
 *
 * @example
 * ```ts
 * import { JWKS_PATH } from '@passport-relay/gateway';
 * import { gatewayMiddleware, jwksHandler } from '@passport-relay/gateway/express';
 *
 * app.get(JWKS_PATH, jwksHandler(ring));
 * app.use(gatewayMiddleware(gateway));
 * ```
 */
export function jwksHandler(
  keys: PublishedKeys,
  options: JwksResponseOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  jwksResponse(keys, options); // checks the options and the key source now, not on the first request
  return function passportJwks(_req, res) {
    const { status, headers, body } = jwksResponse(keys, options);
    res.writeHead(status, headers).end(body);
  };
}
