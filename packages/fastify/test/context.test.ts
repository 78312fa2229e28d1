import { setTimeout as sleep } from 'node:timers/promises';
import type { PassportError } from '@passport-relay/core';
import { closeAll, createTestRelay, listenOnLoopback, slowJsonBody } from '@passport-relay/testing';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { Client, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { type PassportHook, passportRelay } from '../src/index.js';

const apps: FastifyInstance[] = [];
afterEach(() => closeAll(apps));

function newApp(): FastifyInstance {
  const app = Fastify();
  apps.push(app);
  return app;
}

type Relay = ReturnType<typeof createTestRelay>['relay'];

/** Answers with what the handler sees after an await: relay.current(), request.passport, body. */
function whoAmI(relay: Relay) {
  return async (request: FastifyRequest) => {
    await sleep(1);
    return {
      sub: relay.current()?.sub ?? null,
      decorated: request.passport?.sub ?? null,
      body: request.body ?? null,
    };
  };
}

describe('passportRelay (fastify)', () => {
  it('makes the verified passport current in the handler and on request.passport, across an await', async () => {
    const { relay } = createTestRelay();
    const app = newApp();
    await app.register(passportRelay, { relay });
    app.get('/me', whoAmI(relay));
    const { origin } = await listenOnLoopback(app);

    const response = await request(`${origin}/me`, {
      headers: { passport: relay.issue({ sub: 'alice' }) },
    });

    expect(response.statusCode).toBe(200);
    expect(await response.body.json()).toMatchObject({ sub: 'alice', decorated: 'alice' });
  });

  it('serves a request without a passport anonymously when none is required', async () => {
    const { relay } = createTestRelay();
    const app = newApp();
    await app.register(passportRelay, { relay });
    app.get('/me', whoAmI(relay));
    const { origin } = await listenOnLoopback(app);

    const response = await request(`${origin}/me`);

    expect(response.statusCode).toBe(200);
    expect(await response.body.json()).toMatchObject({ sub: null, decorated: null });
  });

  it.each<PassportHook>(['onRequest', 'preParsing', 'preValidation', 'preHandler'])(
    'keeps the passport in the handler after a slowly streamed JSON body, verifying in %s',
    async (hook) => {
      const { relay } = createTestRelay();
      const app = newApp();
      await app.register(passportRelay, { relay, hook });
      app.post('/me', whoAmI(relay));
      const { origin } = await listenOnLoopback(app);

      const response = await request(`${origin}/me`, {
        method: 'POST',
        headers: { passport: relay.issue({ sub: 'alice' }), 'content-type': 'application/json' },
        body: slowJsonBody({ order: 'pizza', padding: 'x'.repeat(64) }, { parts: 4 }),
      });

      expect(await response.body.json()).toEqual({
        sub: 'alice',
        decorated: 'alice',
        body: { order: 'pizza', padding: 'x'.repeat(64) },
      });
    },
  );

  it.each<PassportHook>(['onRequest', 'preParsing', 'preValidation', 'preHandler'])(
    'refuses a bad passport before the handler when verifying in %s',
    async (hook) => {
      const { relay } = createTestRelay();
      const app = newApp();
      let handlerCalls = 0;
      await app.register(passportRelay, { relay, hook });
      app.post('/orders', async () => {
        handlerCalls++;
        return { ok: true };
      });
      const { origin } = await listenOnLoopback(app);

      const response = await request(`${origin}/orders`, {
        method: 'POST',
        headers: { passport: 'forged', 'content-type': 'application/json' },
        body: JSON.stringify({ n: 1 }),
      });

      expect(response.statusCode).toBe(401);
      expect(response.headers['content-type']).toBe('application/problem+json');
      expect(await response.body.json()).toMatchObject({ code: 'ERR_PASSPORT_MALFORMED' });
      expect(handlerCalls).toBe(0);
    },
  );

  it('keeps the passport in preHandler hooks after the body was parsed', async () => {
    const { relay } = createTestRelay();
    const app = newApp();
    await app.register(passportRelay, { relay });
    let seenInPreHandler: string | null = 'not run';
    app.addHook('preHandler', async () => {
      seenInPreHandler = relay.current()?.sub ?? null;
    });
    app.post('/me', whoAmI(relay));
    const { origin } = await listenOnLoopback(app);

    const response = await request(`${origin}/me`, {
      method: 'POST',
      headers: { passport: relay.issue({ sub: 'alice' }), 'content-type': 'application/json' },
      body: slowJsonBody({ n: 1 }),
    });
    await response.body.dump();

    expect(seenInPreHandler).toBe('alice');
  });

  it("gives a request resumed from another request's scope its own passport back before the handler", async () => {
    const { relay } = createTestRelay();
    const app = newApp();
    await app.register(passportRelay, { relay });
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
    const answer = whoAmI(relay);
    app.get('/me', async (request) => {
      // The first request holds the slot until the second one waits for it.
      await secondQueued;
      return answer(request);
    });
    const { origin } = await listenOnLoopback(app);

    const [alice, bob] = await Promise.all(
      ['alice', 'bob'].map(async (sub) => {
        const response = await request(`${origin}/me`, {
          headers: { passport: relay.issue({ sub }) },
        });
        return response.body.json();
      }),
    );

    expect(queued).toBe(1);
    expect(alice).toMatchObject({ sub: 'alice', decorated: 'alice' });
    expect(bob).toMatchObject({ sub: 'bob', decorated: 'bob' });
  });

  it('does not carry a passport into the next request on the same keep-alive socket', async () => {
    const { relay } = createTestRelay();
    const app = newApp();
    // What the connection carries into a request before any hook of ours ran: a context entered
    // with enterWith() would still be here on the next request of the socket.
    const seenAtEntry: (string | null)[] = [];
    app.addHook('onRequest', (_request, _reply, done) => {
      seenAtEntry.push(relay.current()?.sub ?? null);
      done();
    });
    await app.register(passportRelay, { relay });
    app.route({ method: ['GET', 'POST'], url: '/me', handler: whoAmI(relay) });
    const server = await listenOnLoopback(app);
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

      expect(firstBody).toMatchObject({ sub: 'alice', decorated: 'alice' });
      expect(secondBody).toMatchObject({ sub: null, decorated: null });
      expect(seenAtEntry).toEqual([null, null]);
      expect(server.connections()).toBe(1);
    } finally {
      await client.close();
    }
  });

  it('leaves routes the required predicate exempts open and refuses the others', async () => {
    const { relay } = createTestRelay();
    const app = newApp();
    await app.register(passportRelay, {
      relay,
      required: (request) => request.url !== '/healthz',
    });
    app.get('/healthz', async () => ({ ok: true }));
    app.get('/orders', whoAmI(relay));
    const { origin } = await listenOnLoopback(app);

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

  it("hands the refusal to Fastify's error handler with onRefusal: 'error'", async () => {
    const { relay } = createTestRelay();
    const app = newApp();
    let handlerCalls = 0;
    await app.register(passportRelay, { relay, required: true, onRefusal: 'error' });
    app.setErrorHandler((error: PassportError, _request, reply) => {
      reply.code(error.status).send({ handledBy: 'app', code: error.code });
    });
    app.get('/orders', async () => {
      handlerCalls++;
      return { ok: true };
    });
    const { origin } = await listenOnLoopback(app);

    const response = await request(`${origin}/orders`, { headers: { passport: 'forged' } });

    expect(response.statusCode).toBe(401);
    expect(await response.body.json()).toEqual({
      handledBy: 'app',
      code: 'ERR_PASSPORT_MALFORMED',
    });
    expect(handlerCalls).toBe(0);
  });

  it("answers with the refusal's status through Fastify's default error handler", async () => {
    const { relay } = createTestRelay();
    const app = newApp();
    await app.register(passportRelay, { relay, required: true, onRefusal: 'error' });
    app.get('/orders', async () => ({ ok: true }));
    const { origin } = await listenOnLoopback(app);

    const response = await request(`${origin}/orders`);

    expect(response.statusCode).toBe(401);
    expect(await response.body.json()).toMatchObject({ code: 'ERR_PASSPORT_MISSING' });
  });

  it('passes an error thrown after the body and an await to the error handler, which still sees the passport', async () => {
    const { relay } = createTestRelay();
    const app = newApp();
    await app.register(passportRelay, { relay });
    app.setErrorHandler((error: Error, request, reply) => {
      reply.code(500).send({
        message: error.message,
        sub: relay.current()?.sub ?? null,
        decorated: request.passport?.sub ?? null,
      });
    });
    app.post('/boom', async () => {
      await sleep(1);
      throw new Error('late boom');
    });
    const { origin } = await listenOnLoopback(app);

    const response = await request(`${origin}/boom`, {
      method: 'POST',
      headers: { passport: relay.issue({ sub: 'alice' }), 'content-type': 'application/json' },
      body: slowJsonBody({ n: 1 }),
    });

    expect(response.statusCode).toBe(500);
    expect(await response.body.json()).toEqual({
      message: 'late boom',
      sub: 'alice',
      decorated: 'alice',
    });
  });

  it('does not swallow an error thrown by the required predicate', async () => {
    const { relay } = createTestRelay();
    const app = newApp();
    await app.register(passportRelay, {
      relay,
      required: () => {
        throw new Error('predicate broke');
      },
    });
    app.setErrorHandler((error: Error, _request, reply) => {
      reply.code(500).send({ message: error.message });
    });
    app.get('/orders', async () => ({ ok: true }));
    const { origin } = await listenOnLoopback(app);

    const response = await request(`${origin}/orders`);

    expect(response.statusCode).toBe(500);
    expect(await response.body.json()).toEqual({ message: 'predicate broke' });
  });

  it('keeps request.passport read-only, so handlers cannot swap the caller', async () => {
    const { relay } = createTestRelay();
    const app = newApp();
    await app.register(passportRelay, { relay });
    app.get('/me', async (request) => {
      let assigned = true;
      try {
        (request as { passport: unknown }).passport = { sub: 'mallory' };
      } catch {
        assigned = false;
      }
      return { assigned, decorated: request.passport?.sub ?? null };
    });
    const { origin } = await listenOnLoopback(app);

    const response = await request(`${origin}/me`, {
      headers: { passport: relay.issue({ sub: 'alice' }) },
    });

    expect(await response.body.json()).toEqual({ assigned: false, decorated: 'alice' });
  });
});
