import {
  type HeaderCarrier,
  isPassportError,
  type Passport,
  type PassportFields,
  type Relay,
} from '@passport-relay/core';
import {
  admit,
  inboundOptions,
  refusalResponse,
  runNodeRequest,
} from '@passport-relay/core/adapter';
import type { Context, MiddlewareHandler } from 'hono';
import type { HonoRelayOptions } from './options.js';

const WHERE = 'passportRelay (hono)';

/** A Node event emitter, as `@hono/node-server` hands the raw request and response in `c.env`. */
interface NodeEmitter {
  emit(event: string | symbol, ...args: unknown[]): boolean;
}

function nodeEmitter(value: unknown): NodeEmitter | undefined {
  return typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<NodeEmitter>).emit === 'function'
    ? (value as NodeEmitter)
    : undefined;
}

/**
 * The variables the middleware sets: `c.get('passport')` is the verified passport, or `undefined`
 * for an anonymous caller.
 * @example
 * ```ts
 * type Env = { Variables: PassportVariables<{ tenant: string }> & { requestId: string } };
 * ```
 */
export interface PassportVariables<T extends object = PassportFields> {
  passport: Passport<T> | undefined;
}

/**
 * The Hono `Env` that types `c.get('passport')`: give it to `new Hono<PassportEnv>()`.
 * @example
 * ```ts
 * const app = new Hono<PassportEnv>();
 * app.get('/me', (c) => c.json({ sub: c.get('passport')?.sub }));
 * ```
 */
export interface PassportEnv<T extends object = PassportFields> {
  Variables: PassportVariables<T>;
}

/**
 * Create the inbound Hono 4 middleware: it verifies the request's passport with `relay.extract()`,
 * sets it as `c.get('passport')`, and runs every handler after it inside `relay.runWith()`, so
 * `relay.current()` returns the caller downstream, after any number of `await`s. A refused request
 * never reaches the next handler. Runs wherever Hono runs with `AsyncLocalStorage`
 * (`@hono/node-server`, Deno, Bun).
 *
 * Options are validated here; a bad one throws `ERR_PASSPORT_OPTIONS` at start-up.
 *
 * @param relay The relay from `createRelay()`.
 * @param options See {@link HonoRelayOptions}.
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import { serve } from '@hono/node-server';
 * import { passportRelay, type PassportEnv } from '@passport-relay/hono';
 *
 * const app = new Hono<PassportEnv>();
 * app.use(passportRelay(relay, { required: (c) => c.req.path !== '/healthz' }));
 * app.get('/orders', (c) => c.json({ owner: c.get('passport')?.sub }));
 * serve({ fetch: app.fetch, port: 3000 });
 * ```
 */
export function passportRelay<T extends object = PassportFields>(
  relay: Relay<T>,
  options?: HonoRelayOptions,
): MiddlewareHandler<PassportEnv<T>> {
  const { required, onRefusal } = inboundOptions<Context, 'throw'>(WHERE, relay, options, {
    throw: 'throw the PassportError',
  });
  const names = [relay.header, ...relay.forwardHeaders];

  return async function passportRelayMiddleware(c, next) {
    // Fetch `Headers` join repeated values with ", ", which core refuses as two passports.
    const carrier: Record<string, string> = {};
    for (const name of names) {
      const value = c.req.raw.headers.get(name);
      if (value !== null) carrier[name] = value;
    }
    const outcome = admit(relay, carrier as HeaderCarrier, required(c));
    if (isPassportError(outcome)) {
      if (onRefusal === 'throw') throw outcome;
      const refusal = refusalResponse(outcome);
      return new Response(refusal.body, { status: refusal.status, headers: refusal.headers });
    }
    c.set('passport', outcome.passport);
    // On @hono/node-server the raw Node request and response are in `c.env`: bind their events
    // too, so a handler that reads the body by hand (or logs on 'finish') still sees the caller.
    const env = c.env as { incoming?: unknown; outgoing?: unknown } | undefined;
    const incoming = nodeEmitter(env?.incoming);
    if (incoming === undefined) return relay.runWith(outcome, next);
    return runNodeRequest(relay, outcome, incoming, nodeEmitter(env?.outgoing), next);
  };
}
