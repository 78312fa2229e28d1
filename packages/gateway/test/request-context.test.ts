import { setTimeout as sleep } from 'node:timers/promises';
import { closeAll, listenOnLoopback, slowJsonBody } from '@passport-relay/testing';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gatewayMiddleware } from '../src/express.js';
import { gatewayPlugin } from '../src/fastify.js';
import { createGateway, type Gateway } from '../src/index.js';
import { bearer, createIdentityProvider, createRelays, type IdentityProvider } from './helpers.js';

/** fetch, answering with undici-like fields, so tests read the same in every package. */
async function request(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: NodeJS.ReadableStream } = {},
) {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: init.headers,
    body: init.body as never,
    duplex: 'half',
  } as RequestInit);
  return {
    statusCode: response.status,
    body: { json: () => response.json(), text: () => response.text() },
  };
}

let idp: IdentityProvider;
beforeAll(async () => {
  idp = await createIdentityProvider();
});
const open: { close(): Promise<unknown> }[] = [];
afterEach(() => closeAll(open));

function newGateway<R>(): Gateway<object, R> {
  return createGateway<object, R>({
    relay: createRelays().edge.relay,
    jwks: idp.jwks,
    issuer: idp.issuer,
    audience: idp.audience,
    algorithms: ['ES256'],
  });
}

describe('Express gatewayMiddleware keeps the request in context', () => {
  it('in listeners of a slowly streamed request body', async () => {
    const gateway = newGateway<express.Request>();
    const app = express();
    app.use(gatewayMiddleware(gateway));
    app.post('/upload', (req, res) => {
      const seen: (string | null)[] = [];
      req.on('data', () => seen.push(gateway.relay.current()?.sub ?? null));
      req.on('end', () => res.json({ handler: gateway.relay.current()?.sub ?? null, seen }));
    });
    const server = await listenOnLoopback(app);
    open.push(server);

    const response = await request(`${server.origin}/upload`, {
      method: 'POST',
      headers: { ...bearer(await idp.token({ sub: 'alice' })), 'content-type': 'application/json' },
      body: slowJsonBody({ file: 'z'.repeat(300) }, { parts: 4 }),
    });

    const body = (await response.body.json()) as { handler: string; seen: string[] };
    expect(body.handler).toBe('alice');
    expect(body.seen.length).toBeGreaterThan(1);
    expect(new Set(body.seen)).toEqual(new Set(['alice']));
  });

  it('in listeners of the response, such as an access log on close', async () => {
    const gateway = newGateway<express.Request>();
    const app = express();
    const onClose: (string | null)[] = [];
    let closed: () => void = () => {};
    const wasClosed = new Promise<void>((resolve) => {
      closed = resolve;
    });
    app.use(gatewayMiddleware(gateway));
    app.use((_req, res, next) => {
      res.on('close', () => {
        onClose.push(gateway.relay.current()?.sub ?? null);
        closed();
      });
      next();
    });
    app.get('/me', (_req, res) => {
      res.json({ sub: gateway.relay.current()?.sub ?? null });
    });
    const server = await listenOnLoopback(app);
    open.push(server);

    const response = await request(`${server.origin}/me`, {
      headers: bearer(await idp.token({ sub: 'alice' })),
    });
    await response.body.json();
    await wasClosed;

    expect(onClose).toEqual(['alice']);
  });
});

describe('Fastify gatewayPlugin keeps the request in context', () => {
  it("gives a request resumed from another request's scope its own passport back before the handler", async () => {
    const gateway = newGateway<never>();
    const { relay } = gateway;
    const app: FastifyInstance = Fastify();
    open.push(app);
    await app.register(gatewayPlugin, { gateway: gateway as never });
    // A one-slot limiter, as rate limiters and queues do it: a waiting request is resumed from the
    // onResponse hook of the request that held the slot, that is, from that caller's async scope.
    const waiting: (() => void)[] = [];
    let busy = false;
    let queued = 0;
    let signalQueued: () => void = () => {};
    const secondQueued = new Promise<void>((resolve) => {
      signalQueued = resolve;
    });
    app.addHook('onRequest', (_request, _reply, done) => {
      if (!busy) {
        busy = true;
        done();
        return;
      }
      queued++;
      waiting.push(() => done());
      signalQueued();
    });
    app.addHook('onResponse', (_request, _reply, done) => {
      const next = waiting.shift();
      if (next === undefined) busy = false;
      else next();
      done();
    });
    app.get('/me', async () => {
      await secondQueued;
      await sleep(1);
      return { sub: relay.current()?.sub ?? null };
    });
    const origin = await app.listen({ port: 0, host: '127.0.0.1' });

    const [alice, bob] = await Promise.all(
      ['alice', 'bob'].map(async (sub) => {
        const response = await request(`${origin}/me`, {
          headers: bearer(await idp.token({ sub })),
        });
        return response.body.json();
      }),
    );

    expect(queued).toBe(1);
    expect(alice).toEqual({ sub: 'alice' });
    expect(bob).toEqual({ sub: 'bob' });
  });
});

describe('a server-side failure at the edge', () => {
  it('answers 500 without the configuration detail', async () => {
    const gateway = createGateway<object, express.Request>({
      relay: createRelays().edge.relay,
      jwks: idp.jwks,
      issuer: idp.issuer,
      audience: idp.audience,
      algorithms: ['ES256'],
      toPassport: () => null as never,
    });
    const app = express();
    app.use(gatewayMiddleware(gateway));
    app.get('/me', (_req, res) => res.json({}));
    const server = await listenOnLoopback(app);
    open.push(server);

    const response = await request(`${server.origin}/me`, {
      headers: bearer(await idp.token({ sub: 'alice' })),
    });

    expect(response.statusCode).toBe(500);
    const text = await response.body.text();
    expect(JSON.parse(text)).toMatchObject({ code: 'ERR_PASSPORT_CANNOT_ISSUE' });
    expect(text).not.toContain('toPassport');
  });

  it('gateway.refusal() given something that is not a PassportError throws a typed error', () => {
    const gateway = newGateway();
    expect(() => gateway.refusal(new Error('boom') as never)).toThrow(
      expect.objectContaining({ code: 'ERR_PASSPORT_OPTIONS' }),
    );
  });
});
