/**
 * The services of this example, written the way you would write yours. Look for what is missing:
 * no handler reads a header, no function takes a passport or a user id as a parameter, no `fetch`
 * sets one. The middleware puts the verified caller in the request's context, business code reads
 * it with `relay.current()` / `relay.require()`, and the fetch hook (installed once in main.ts)
 * puts it back on calls to internal hosts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Relay } from '@passport-relay/core';
import { passportRelay } from '@passport-relay/express';
import express from 'express';

/** What one service saw of the request; each service adds its own line to the journey. */
export interface Hop {
  readonly service: string;
  readonly sub?: string | undefined;
  readonly tenant?: unknown;
  /** The partner reports the header names it received instead. */
  readonly headers?: readonly string[];
}

/** Where `orders` finds its neighbours (Kubernetes would give you `http://inventory`). */
export interface OrdersUpstreams {
  readonly inventory: string;
  readonly partner: string;
}

/**
 * `inventory`: the downstream service. Its middleware verifies the passport `orders` sent on (the
 * signature, `exp`, `iss`), so what it reads is the caller's identity as the edge minted it.
 */
export function inventoryApp(relay: Relay): express.Express {
  const app = express();
  app.use(passportRelay(relay, { required: true })); // no valid passport: 401, handler never runs
  app.get('/stock', (_req, res) => {
    const caller = relay.require();
    const here: Hop = { service: 'inventory', sub: caller.sub, tenant: caller.tenant };
    res.json([here]);
  });
  return app;
}

/** `orders`: the service the edge calls. The route is one line; the work is in `listOrders`. */
export function ordersApp(relay: Relay, upstreams: OrdersUpstreams): express.Express {
  const app = express();
  app.use(passportRelay(relay, { required: true }));
  app.get('/orders', async (_req, res) => {
    res.json(await listOrders(relay, upstreams));
  });
  return app;
}

/**
 * Business code: it takes no request and no passport, yet knows the caller (after an `await`, too)
 * and its calls to `inventory` carry the caller's passport.
 */
async function listOrders(relay: Relay, upstreams: OrdersUpstreams): Promise<Hop[]> {
  const caller = relay.require(); // the verified passport of the request being served
  const here: Hop = { service: 'orders', sub: caller.sub, tenant: caller.tenant };

  // Internal host, on the relay's `propagateTo`: the hook adds the passport.
  const stock = await fetch(`${upstreams.inventory}/stock`);
  if (!stock.ok) throw new Error(`inventory answered ${stock.status}`);

  // A third party, not on `propagateTo`: the hook adds nothing (deny by default).
  const tracking = await fetch(`${upstreams.partner}/track`);

  return [here, ...((await stock.json()) as Hop[]), (await tracking.json()) as Hop];
}

/**
 * `partner`: stands in for a third-party API (a carrier's tracking service). It knows nothing of
 * passport-relay and reports the names of the headers it received.
 */
export function partnerHandler(req: IncomingMessage, res: ServerResponse): void {
  const here: Hop = { service: 'partner', headers: Object.keys(req.headers) };
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(here));
}
