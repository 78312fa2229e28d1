import type { RequestListener } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  closeAll,
  createTestRelay,
  type LoopbackServer,
  listenOnLoopback,
} from '@passport-relay/testing';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { type PassportState, passportRelay } from '../src/index.js';
import { koaVersions } from './frameworks.js';

const { relay } = createTestRelay();

describe.each(koaVersions)('$name: the passport is the request context', ({ Koa }) => {
  const started: LoopbackServer[] = [];
  afterEach(() => closeAll(started));

  async function serve(app: { callback(): RequestListener }): Promise<LoopbackServer> {
    const server = await listenOnLoopback(app.callback());
    started.push(server);
    return server;
  }

  it('ctx.state.passport and relay.current() name the caller in later middleware, across awaits', async () => {
    const app = new Koa<PassportState>();
    app.use(passportRelay(relay));
    app.use(async (ctx, next) => {
      await sleep(1);
      await next();
      ctx.set('x-after', relay.current()?.sub ?? 'none');
    });
    app.use(async (ctx) => {
      await sleep(1);
      ctx.body = { state: ctx.state.passport?.sub ?? null, current: relay.current()?.sub ?? null };
    });
    const server = await serve(app);

    const response = await request(`${server.origin}/me`, {
      headers: { passport: relay.issue({ sub: 'alice' }) },
    });

    expect(response.statusCode).toBe(200);
    expect(await response.body.json()).toEqual({ state: 'alice', current: 'alice' });
    expect(response.headers['x-after']).toBe('alice');
  });

  it('the request body read from stream events is read in the caller context', async () => {
    const app = new Koa<PassportState>();
    app.use(passportRelay(relay));
    app.use(async (ctx) => {
      const seen = await new Promise<string | null>((resolve) => {
        let sub: string | null = null;
        ctx.req.on('data', () => {
          sub = relay.current()?.sub ?? null;
        });
        ctx.req.on('end', () => resolve(sub));
      });
      ctx.body = { seen };
    });
    const server = await serve(app);

    const response = await request(`${server.origin}/upload`, {
      method: 'POST',
      headers: { passport: relay.issue({ sub: 'bob' }) },
      body: 'x'.repeat(10_000),
    });

    expect(await response.body.json()).toEqual({ seen: 'bob' });
  });

  it('a request without a passport is anonymous when passports are optional', async () => {
    const app = new Koa<PassportState>();
    app.use(passportRelay(relay));
    app.use((ctx) => {
      ctx.body = { state: ctx.state.passport ?? null, current: relay.current() ?? null };
    });
    const server = await serve(app);

    const response = await request(`${server.origin}/me`);

    expect(await response.body.json()).toEqual({ state: null, current: null });
  });

  it('the predicate keeps a path open and refuses the others', async () => {
    const app = new Koa<PassportState>();
    app.use(passportRelay(relay, { required: (ctx) => ctx.path !== '/healthz' }));
    app.use((ctx) => {
      ctx.body = 'ok';
    });
    const server = await serve(app);

    expect((await request(`${server.origin}/healthz`)).statusCode).toBe(200);
    expect((await request(`${server.origin}/orders`)).statusCode).toBe(401);
  });

  it('onRefusal "throw" hands the PassportError to error-handling middleware', async () => {
    const app = new Koa<PassportState>();
    app.use(async (ctx, next) => {
      try {
        await next();
      } catch (error) {
        ctx.status = 418;
        ctx.body = { caught: (error as { code: string }).code };
      }
    });
    app.use(passportRelay(relay, { required: true, onRefusal: 'throw' }));
    app.use((ctx) => {
      ctx.body = 'never';
    });
    const server = await serve(app);

    const response = await request(`${server.origin}/orders`);

    expect(response.statusCode).toBe(418);
    expect(await response.body.json()).toEqual({ caught: 'ERR_PASSPORT_MISSING' });
  });

  it('nothing leaks into the next request on a keep-alive socket', async () => {
    const app = new Koa<PassportState>();
    app.use(passportRelay(relay));
    app.use((ctx) => {
      ctx.body = { current: relay.current()?.sub ?? null };
    });
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
