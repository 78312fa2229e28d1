import { setTimeout as sleep } from 'node:timers/promises';
import {
  createTestRelay,
  type LoopbackServer,
  listenOnLoopback,
  runConcurrently,
} from '@passport-relay/testing';
import { Pool } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { type PassportState, passportRelay } from '../src/index.js';
import { koaVersions } from './frameworks.js';

const REQUESTS = 2_000;
const IN_FLIGHT = 100;
const isAnonymous = (i: number) => i % 7 === 3;

describe.each(koaVersions)('$name isolation under concurrency', ({ Koa }) => {
  let server: LoopbackServer | undefined;
  afterEach(() => server?.close());

  it(`gives each of ${REQUESTS} concurrent requests its own passport, 0 crossed`, async () => {
    const { relay } = createTestRelay({ mode: 'HS256' });
    const app = new Koa<PassportState>();
    app.use(passportRelay(relay));
    app.use(async (ctx, next) => {
      await sleep(Number(ctx.path.slice(1)) % 3);
      await next();
    });
    app.use(async (ctx) => {
      await new Promise((resolve) => setImmediate(resolve));
      ctx.body = { state: ctx.state.passport?.sub ?? null, current: relay.current()?.sub ?? null };
    });
    server = await listenOnLoopback(app.callback());
    const pool = new Pool(server.origin, { connections: IN_FLIGHT });
    const crossed: string[] = [];
    try {
      await runConcurrently(REQUESTS, IN_FLIGHT, async (i) => {
        const expected = isAnonymous(i) ? null : `user-${i}`;
        const response = await pool.request({
          path: `/${i}`,
          method: 'GET',
          headers: expected === null ? {} : { passport: relay.issue({ sub: expected }) },
        });
        const seen = (await response.body.json()) as {
          state: string | null;
          current: string | null;
        };
        if (seen.state !== expected || seen.current !== expected) {
          crossed.push(`#${i} expected ${expected}, saw ${JSON.stringify(seen)}`);
        }
      });
    } finally {
      await pool.close();
    }
    expect(crossed).toEqual([]);
  });
});
