import { setTimeout as sleep } from 'node:timers/promises';
import { closeAll, createTestRelay, type LoopbackServer } from '@passport-relay/testing';
import { Hono } from 'hono';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { type PassportEnv, passportRelay } from '../src/index.js';
import { serveOnLoopback } from './serve.js';

const { relay } = createTestRelay();

describe('Hono on @hono/node-server: the passport is the request context', () => {
  const started: LoopbackServer[] = [];
  afterEach(() => closeAll(started));

  async function serve(app: Hono<PassportEnv>): Promise<LoopbackServer> {
    const server = await serveOnLoopback(app);
    started.push(server);
    return server;
  }

  it("c.get('passport') and relay.current() name the caller in later middleware, across awaits", async () => {
    const app = new Hono<PassportEnv>();
    app.use(passportRelay(relay));
    app.use(async (c, next) => {
      await sleep(1);
      await next();
      c.header('x-after', relay.current()?.sub ?? 'none');
    });
    app.get('/me', async (c) => {
      await sleep(1);
      return c.json({
        variable: c.get('passport')?.sub ?? null,
        current: relay.current()?.sub ?? null,
      });
    });
    const server = await serve(app);

    const response = await request(`${server.origin}/me`, {
      headers: { passport: relay.issue({ sub: 'alice' }) },
    });

    expect(response.statusCode).toBe(200);
    expect(await response.body.json()).toEqual({ variable: 'alice', current: 'alice' });
    expect(response.headers['x-after']).toBe('alice');
  });

  it('the request body is read in the caller context', async () => {
    const app = new Hono<PassportEnv>();
    app.use(passportRelay(relay));
    app.post('/upload', async (c) => {
      const body = await c.req.text();
      return c.json({ length: body.length, current: relay.current()?.sub ?? null });
    });
    const server = await serve(app);

    const response = await request(`${server.origin}/upload`, {
      method: 'POST',
      headers: { passport: relay.issue({ sub: 'bob' }) },
      body: 'x'.repeat(100_000),
    });

    expect(await response.body.json()).toEqual({ length: 100_000, current: 'bob' });
  });

  it('a request without a passport is anonymous when passports are optional', async () => {
    const app = new Hono<PassportEnv>();
    app.use(passportRelay(relay));
    app.get('/me', (c) =>
      c.json({ variable: c.get('passport') ?? null, current: relay.current() ?? null }),
    );
    const server = await serve(app);

    const response = await request(`${server.origin}/me`);

    expect(await response.body.json()).toEqual({ variable: null, current: null });
  });

  it('the predicate keeps a path open and refuses the others', async () => {
    const app = new Hono<PassportEnv>();
    app.use(passportRelay(relay, { required: (c) => c.req.path !== '/healthz' }));
    app.get('*', (c) => c.text('ok'));
    const server = await serve(app);

    expect((await request(`${server.origin}/healthz`)).statusCode).toBe(200);
    expect((await request(`${server.origin}/orders`)).statusCode).toBe(401);
  });

  it('onRefusal "throw" hands the PassportError to app.onError', async () => {
    const app = new Hono<PassportEnv>();
    app.use(passportRelay(relay, { required: true, onRefusal: 'throw' }));
    app.get('*', (c) => c.text('never'));
    app.onError((error, c) => c.json({ caught: (error as { code?: string }).code }, 418));
    const server = await serve(app);

    const response = await request(`${server.origin}/orders`);

    expect(response.statusCode).toBe(418);
    expect(await response.body.json()).toEqual({ caught: 'ERR_PASSPORT_MISSING' });
  });

  it('nothing leaks into the next request on a keep-alive socket', async () => {
    const app = new Hono<PassportEnv>();
    app.use(passportRelay(relay));
    app.get('*', (c) => c.json({ current: relay.current()?.sub ?? null }));
    const server = await serve(app);

    const first = await request(`${server.origin}/a`, {
      headers: { passport: relay.issue({ sub: 'carol' }) },
    });
    await first.body.dump();
    const second = await request(`${server.origin}/b`);

    expect(await second.body.json()).toEqual({ current: null });
  });
});

describe('options are checked when the middleware is made', () => {
  it.each([
    ['no relay', undefined, undefined, /createRelay/],
    ['an unknown option', relay, { require: true }, /unknown option "require"/],
    ['a bad required', relay, { required: 'yes' }, /"required" must be a boolean/],
    ['a bad onRefusal', relay, { onRefusal: 'next' }, /"onRefusal" must be/],
  ])('%s', (_name, candidate, options, message) => {
    expect(() => passportRelay(candidate as typeof relay, options as never)).toThrowError(message);
  });
});
