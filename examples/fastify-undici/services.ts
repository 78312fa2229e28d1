/**
 * The services of this example, written the way you would write yours: the plugin verifies the
 * caller and makes it the request's context; handlers read it with `request.passport` or, in code
 * that never sees the request, `relay.current()`; the undici dispatcher puts it back on calls to
 * internal hosts. No handler reads a header and no function takes a passport.
 */
import type { Relay } from '@passport-relay/core';
import { passportRelay } from '@passport-relay/fastify';
import { passportInterceptor } from '@passport-relay/undici';
import Fastify, { type FastifyInstance } from 'fastify';
import { Pool, request } from 'undici';

/** What one service saw of the request; each service adds its own line to the journey. */
export interface Hop {
  readonly service: string;
  readonly sub: string | undefined;
  readonly order?: string;
}

/**
 * The dispatcher `orders` calls `payments` with: a pool of ONE connection, so concurrent calls
 * queue behind each other. `passportInterceptor` reads the caller when a request is dispatched,
 * in the caller's own context, so a request that waits in the queue still carries its own
 * caller's passport. Create it once, at start-up, like any pool.
 */
export function paymentsClient(relay: Relay, paymentsOrigin: string) {
  return new Pool(paymentsOrigin, { connections: 1 }).compose(passportInterceptor(relay));
}

/** `payments`: the downstream service. */
export async function paymentsApp(relay: Relay): Promise<FastifyInstance> {
  const app = Fastify();
  // Register once, on the root instance, before the routes. No valid passport: 401.
  await app.register(passportRelay, { relay, required: true });
  app.post<{ Querystring: { order: string } }>('/charges', async (request) => {
    const here: Hop = {
      service: 'payments',
      sub: request.passport?.sub,
      order: request.query.order,
    };
    return [here];
  });
  return app;
}

/** `orders`: the service the edge calls; it charges through `payments`. */
export async function ordersApp(
  relay: Relay,
  payments: ReturnType<typeof paymentsClient>,
  paymentsOrigin: string,
): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(passportRelay, { relay, required: true });
  app.post<{ Querystring: { order: string } }>('/checkout', async (request) =>
    checkout(relay, payments, paymentsOrigin, request.query.order),
  );
  return app;
}

/** Business code: no request, no passport parameter, and the charge carries the caller anyway. */
async function checkout(
  relay: Relay,
  dispatcher: ReturnType<typeof paymentsClient>,
  paymentsOrigin: string,
  order: string,
): Promise<Hop[]> {
  const here: Hop = { service: 'orders', sub: relay.current()?.sub, order };
  // npm undici's `request` with our dispatcher: the interceptor adds the passport because the
  // destination is on the relay's `propagateTo` (the default includes loopback).
  const { statusCode, body } = await request(`${paymentsOrigin}/charges?order=${order}`, {
    method: 'POST',
    dispatcher,
  });
  if (statusCode !== 200) throw new Error(`payments answered ${statusCode}`);
  return [here, ...((await body.json()) as Hop[])];
}
