import type { IncomingMessage, ServerResponse } from 'node:http';
import { isPassportError, type PassportFields, type Relay } from '@passport-relay/core';
import { admit, inboundOptions, runNodeRequest, writeRefusal } from '@passport-relay/core/adapter';
import type { ExpressRelayOptions } from './options.js';

const WHERE = 'passportRelay (express)';

/**
 * The middleware {@link passportRelay} returns: a plain `(req, res, next)` function, so it fits
 * `app.use()` in Express 5 and Express 4 (and Connect-style routers) without importing their types.
 */
export type PassportRelayMiddleware<Req extends IncomingMessage = IncomingMessage> = (
  req: Req,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

/**
 * Create the inbound middleware: it verifies the request's passport with `relay.extract()` and runs
 * the rest of the chain inside `relay.runWith()`, so `relay.current()` returns the caller's
 * passport in every middleware, handler and error handler after it, including after `await`s,
 * body parsers mounted before or after it, and listeners of the request's and response's events
 * (bound to the context). A refused request never reaches the next middleware.
 *
 * Options are validated here; a bad one throws `ERR_PASSPORT_OPTIONS` at start-up.
 *
 * @param relay The relay from `createRelay()`.
 * @param options See {@link ExpressRelayOptions}.
 * @example
 * ```ts
 * import express from 'express';
 * import { createRelay, signedCodec } from '@passport-relay/core';
 * import { passportRelay } from '@passport-relay/express';
 *
 * const relay = createRelay({ codec: signedCodec({ issuer: 'https://edge.example', keys }) });
 * const app = express();
 * app.use(passportRelay(relay, { required: (req: express.Request) => req.path !== '/healthz' }));
 * app.get('/orders', (req, res) => {
 *   res.json({ owner: relay.require().sub });
 * });
 * ```
 */
export function passportRelay<
  T extends object = PassportFields,
  Req extends IncomingMessage = IncomingMessage,
>(relay: Relay<T>, options?: ExpressRelayOptions<Req>): PassportRelayMiddleware<Req> {
  const { required, onRefusal } = inboundOptions<Req, 'next'>(WHERE, relay, options, {
    next: 'call next(error)',
  });

  return function passportRelayMiddleware(req, res, next) {
    const outcome = admit(relay, req.headers, required(req));
    if (!isPassportError(outcome)) runNodeRequest(relay, outcome, req, res, next);
    else if (onRefusal === 'next') next(outcome);
    else writeRefusal(res, outcome);
  };
}
