/**
 * The gateway and the service behind it.
 *
 * - `gateway`: the only place that holds the passport signing key. Its middleware strips any
 *   passport a client sent, verifies the user's Bearer JWT, maps the claims to a passport, mints it
 *   and puts it on `req.headers` (and in the context, for `relay.current()` and the outbound hooks).
 *   The proxy forwards the request headers as any proxy does, and never names the passport header.
 * - `orders`: an ordinary service. It verifies the passport with the gateway's public key and reads
 *   the caller with `relay.current()`; it never sees the user's JWT.
 */
import type { IncomingMessage } from 'node:http';
import type { Relay } from '@passport-relay/core';
import { passportRelay } from '@passport-relay/express';
import type { Gateway } from '@passport-relay/gateway';
import { gatewayMiddleware } from '@passport-relay/gateway/express';
import express from 'express';

/** Routes anyone may call without logging in. */
const isPublic = (req: IncomingMessage) => req.url?.startsWith('/catalog') === true;

/** Headers a proxy does not pass on. `authorization` too: the passport is what services trust. */
const NOT_FORWARDED = new Set([
  'authorization',
  'connection',
  'host',
  'keep-alive',
  'content-length',
]);

/** The gateway: edge middleware first, then a minimal proxy to `orders`. */
export function gatewayApp(gateway: Gateway, ordersOrigin: string): express.Express {
  const app = express();
  // FIRST, so nothing sees the client's headers before the passport is stripped. A Bearer token is
  // required except on public routes, which go through anonymously (still stripped).
  app.use(gatewayMiddleware(gateway, { required: (req) => !isPublic(req) }));
  app.use(async (req, res) => {
    // A real gateway proxies with http-proxy, undici's `stream` or reply.from(); this one handles
    // GETs. Whatever the client sent as a passport is gone; what is there now, the gateway minted.
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string' && !NOT_FORWARDED.has(name)) headers[name] = value;
    }
    const upstream = await fetch(`${ordersOrigin}${req.url}`, { headers });
    res
      .status(upstream.status)
      .type(upstream.headers.get('content-type') ?? 'application/octet-stream')
      .send(Buffer.from(await upstream.arrayBuffer()));
  });
  return app;
}

/** `orders`: reads the caller minted at the edge. The catalog is public, orders are not. */
export function ordersApp(relay: Relay): express.Express {
  const app = express();
  app.use(passportRelay(relay, { required: (req: express.Request) => req.path !== '/catalog' }));
  app.get('/orders', (_req, res) => {
    const { sub, email, roles, tenant, iss } = relay.require();
    res.json({ sub, email, roles, tenant, iss });
  });
  app.get('/catalog', (_req, res) => {
    res.json({ sub: relay.current()?.sub ?? 'anonymous' });
  });
  return app;
}
