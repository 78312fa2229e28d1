import { request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  closeAll,
  createTestRelay,
  type LoopbackServer,
  listenOnLoopback,
  slowJsonBody,
} from '@passport-relay/testing';
import type { NextFunction, Request, Response } from 'express';
import { Client, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { passportRelay } from '../src/index.js';
import { expressVersions } from './frameworks.js';

describe.each(expressVersions)('$name', ({ express }) => {
  const started: LoopbackServer[] = [];
  afterEach(() => closeAll(started));

  async function start(app: ReturnType<typeof express>): Promise<LoopbackServer> {
    const server = await listenOnLoopback(app);
    started.push(server);
    return server;
  }

  /** Answers with the passport's sub as the handler sees it after an await, and the parsed body. */
  function whoAmI(relay: ReturnType<typeof createTestRelay>['relay']) {
    return async (req: Request, res: Response) => {
      await sleep(1);
      res.json({ sub: relay.current()?.sub ?? null, body: req.body ?? null });
    };
  }

  it('makes the verified passport current in the handler, across an await', async () => {
    const { relay } = createTestRelay();
    const app = express();
    app.use(passportRelay(relay));
    app.get('/me', whoAmI(relay));
    const { origin } = await start(app);

    const response = await request(`${origin}/me`, {
      headers: { passport: relay.issue({ sub: 'alice' }) },
    });

    expect(response.statusCode).toBe(200);
    expect(await response.body.json()).toMatchObject({ sub: 'alice' });
  });

  it('serves a request without a passport anonymously when none is required', async () => {
    const { relay } = createTestRelay();
    const app = express();
    app.use(passportRelay(relay));
    app.get('/me', whoAmI(relay));
    const { origin } = await start(app);

    const response = await request(`${origin}/me`);

    expect(response.statusCode).toBe(200);
    expect(await response.body.json()).toMatchObject({ sub: null });
  });

  it.each(['before', 'after'] as const)(
    'keeps the passport through a slowly streamed JSON body parsed %s the middleware',
    async (order) => {
      const { relay } = createTestRelay();
      const app = express();
      if (order === 'before') app.use(express.json());
      app.use(passportRelay(relay));
      if (order === 'after') app.use(express.json());
      app.post('/me', whoAmI(relay));
      const { origin } = await start(app);

      const response = await request(`${origin}/me`, {
        method: 'POST',
        headers: { passport: relay.issue({ sub: 'alice' }), 'content-type': 'application/json' },
        body: slowJsonBody({ order: 'pizza', padding: 'x'.repeat(64) }, { parts: 4 }),
      });

      expect(await response.body.json()).toEqual({
        sub: 'alice',
        body: { order: 'pizza', padding: 'x'.repeat(64) },
      });
    },
  );

  it('keeps the passport in listeners of the request stream, for parsers that read the body by hand', async () => {
    const { relay } = createTestRelay();
    const app = express();
    app.use(passportRelay(relay));
    const upload = { file: 'z'.repeat(300) };
    app.post('/upload', (req, res) => {
      let bytes = 0;
      req.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      req.on('end', () => {
        res.json({ sub: relay.current()?.sub ?? null, bytes });
      });
    });
    const { origin } = await start(app);

    const response = await request(`${origin}/upload`, {
      method: 'POST',
      headers: { passport: relay.issue({ sub: 'alice' }), 'content-type': 'application/json' },
      body: slowJsonBody(upload, { parts: 4 }),
    });

    expect(await response.body.json()).toEqual({
      sub: 'alice',
      bytes: Buffer.byteLength(JSON.stringify(upload)),
    });
  });

  it('keeps the passport in listeners of the response, such as an access log on close', async () => {
    const { relay } = createTestRelay();
    const app = express();
    let resolve: (sub: string | null) => void = () => {};
    const seenOnClose = new Promise<string | null>((settle) => {
      resolve = settle;
    });
    app.use(passportRelay(relay));
    app.get('/stream', (_req, res) => {
      res.on('close', () => resolve(relay.current()?.sub ?? null));
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first chunk');
    });
    const { origin } = await start(app);

    // The client hangs up mid-response: 'close' then fires from the socket, outside any request.
    const client = httpRequest(`${origin}/stream`, {
      headers: { passport: relay.issue({ sub: 'alice' }) },
    });
    client.on('response', (response) => response.once('data', () => client.destroy()));
    client.on('error', () => {});
    client.end();

    expect(await seenOnClose).toBe('alice');
  });

  it('does not carry a passport into the next request on the same keep-alive socket', async () => {
    const { relay } = createTestRelay();
    const app = express();
    // What the connection carries into a request before any middleware ran: a context entered
    // with enterWith() would still be here on the next request of the socket.
    const seenAtEntry: (string | null)[] = [];
    app.use((_req, _res, next) => {
      seenAtEntry.push(relay.current()?.sub ?? null);
      next();
    });
    app.use(passportRelay(relay));
    app.use(express.json());
    app.all('/me', whoAmI(relay));
    const server = await start(app);
    const client = new Client(server.origin, { pipelining: 1 });
    try {
      const first = await client.request({
        path: '/me',
        method: 'POST',
        headers: { passport: relay.issue({ sub: 'alice' }), 'content-type': 'application/json' },
        body: slowJsonBody({ n: 1 }),
      });
      const firstBody = await first.body.json();
      const second = await client.request({ path: '/me', method: 'GET' });
      const secondBody = await second.body.json();

      expect(firstBody).toMatchObject({ sub: 'alice' });
      expect(secondBody).toMatchObject({ sub: null });
      expect(seenAtEntry).toEqual([null, null]);
      expect(server.connections()).toBe(1);
    } finally {
      await client.close();
    }
  });

  it('leaves routes the required predicate exempts open and refuses the others', async () => {
    const { relay } = createTestRelay();
    const app = express();
    app.use(passportRelay(relay, { required: (req: Request) => req.path !== '/healthz' }));
    app.get('/healthz', (_req, res) => {
      res.json({ ok: true });
    });
    app.get('/orders', whoAmI(relay));
    const { origin } = await start(app);

    const health = await request(`${origin}/healthz`);
    const orders = await request(`${origin}/orders`);
    const ordersWithPassport = await request(`${origin}/orders`, {
      headers: { passport: relay.issue({ sub: 'alice' }) },
    });

    expect(health.statusCode).toBe(200);
    expect(orders.statusCode).toBe(401);
    expect(await orders.body.json()).toMatchObject({ code: 'ERR_PASSPORT_MISSING' });
    expect(ordersWithPassport.statusCode).toBe(200);
    await Promise.all([health.body.dump(), ordersWithPassport.body.dump()]);
  });

  it("hands the refusal to Express's error handler with onRefusal: 'next'", async () => {
    const { relay } = createTestRelay();
    const app = express();
    let handlerCalls = 0;
    app.use(passportRelay(relay, { required: true, onRefusal: 'next' }));
    app.get('/orders', (_req, res) => {
      handlerCalls++;
      res.json({ ok: true });
    });
    app.use(
      (
        error: { code?: string; status?: number },
        _req: Request,
        res: Response,
        _next: NextFunction,
      ) => {
        res.status(error.status ?? 500).json({ handledBy: 'app', code: error.code });
      },
    );
    const { origin } = await start(app);

    const response = await request(`${origin}/orders`, { headers: { passport: 'forged' } });

    expect(response.statusCode).toBe(401);
    expect(await response.body.json()).toEqual({
      handledBy: 'app',
      code: 'ERR_PASSPORT_MALFORMED',
    });
    expect(handlerCalls).toBe(0);
  });

  it('passes an error thrown by a handler to the error handler, which still sees the passport', async () => {
    const { relay } = createTestRelay();
    const app = express();
    app.use(passportRelay(relay));
    app.get('/boom', () => {
      throw new Error('boom');
    });
    app.use((error: Error, _req: Request, res: Response, _next: NextFunction) => {
      res.status(500).json({ message: error.message, sub: relay.current()?.sub ?? null });
    });
    const { origin } = await start(app);

    const response = await request(`${origin}/boom`, {
      headers: { passport: relay.issue({ sub: 'alice' }) },
    });

    expect(response.statusCode).toBe(500);
    expect(await response.body.json()).toEqual({ message: 'boom', sub: 'alice' });
  });

  it('passes an error raised after the body and an await to the error handler, which still sees the passport', async () => {
    const { relay } = createTestRelay();
    const app = express();
    app.use(passportRelay(relay));
    app.use(express.json());
    app.post('/boom', async (_req: Request, _res: Response, next: NextFunction) => {
      await sleep(1);
      next(new Error('late boom'));
    });
    app.use((error: Error, _req: Request, res: Response, _next: NextFunction) => {
      res.status(500).json({ message: error.message, sub: relay.current()?.sub ?? null });
    });
    const { origin } = await start(app);

    const response = await request(`${origin}/boom`, {
      method: 'POST',
      headers: { passport: relay.issue({ sub: 'alice' }), 'content-type': 'application/json' },
      body: slowJsonBody({ n: 1 }),
    });

    expect(await response.body.json()).toEqual({ message: 'late boom', sub: 'alice' });
  });

  it('does not swallow an error thrown by the required predicate', async () => {
    const { relay } = createTestRelay();
    const app = express();
    app.use(
      passportRelay(relay, {
        required: () => {
          throw new Error('predicate broke');
        },
      }),
    );
    app.get('/orders', (_req, res) => {
      res.json({ ok: true });
    });
    app.use((error: Error, _req: Request, res: Response, _next: NextFunction) => {
      res.status(500).json({ message: error.message });
    });
    const { origin } = await start(app);

    const response = await request(`${origin}/orders`);

    expect(response.statusCode).toBe(500);
    expect(await response.body.json()).toEqual({ message: 'predicate broke' });
  });
});

describe('express 5 only', () => {
  const started: LoopbackServer[] = [];
  afterEach(() => closeAll(started));
  const express = expressVersions[0].express;

  it('passes a rejected async handler to the error handler, which still sees the passport', async () => {
    const { relay } = createTestRelay();
    const app = express();
    app.use(passportRelay(relay));
    app.use(express.json());
    app.post('/boom', async () => {
      await sleep(1);
      throw new Error('rejected');
    });
    app.use((error: Error, _req: Request, res: Response, _next: NextFunction) => {
      res.status(500).json({ message: error.message, sub: relay.current()?.sub ?? null });
    });
    const server = await listenOnLoopback(app);
    started.push(server);

    const response = await request(`${server.origin}/boom`, {
      method: 'POST',
      headers: { passport: relay.issue({ sub: 'alice' }), 'content-type': 'application/json' },
      body: slowJsonBody({ n: 1 }),
    });

    expect(await response.body.json()).toEqual({ message: 'rejected', sub: 'alice' });
  });
});
