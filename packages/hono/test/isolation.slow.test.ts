import { setTimeout as sleep } from 'node:timers/promises';
import { createTestRelay, type LoopbackServer, runConcurrently } from '@passport-relay/testing';
import { Hono } from 'hono';
import { Pool } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { type PassportEnv, passportRelay } from '../src/index.js';
import { serveOnLoopback } from './serve.js';

const REQUESTS = 2_000;
const IN_FLIGHT = 100;
const isAnonymous = (i: number) => i % 7 === 3;

describe('Hono isolation under concurrency', () => {
  let server: LoopbackServer | undefined;
  afterEach(() => server?.close());

  it(`gives each of ${REQUESTS} concurrent requests its own passport, 0 crossed`, async () => {
    const { relay } = createTestRelay({ mode: 'HS256' });
    const app = new Hono<PassportEnv>();
    app.use(passportRelay(relay));
    app.use(async (c, next) => {
      await sleep(Number(c.req.path.slice(1)) % 3);
      await next();
    });
    app.get('/:i', async (c) => {
      await new Promise((resolve) => setImmediate(resolve));
      return c.json({
        variable: c.get('passport')?.sub ?? null,
        current: relay.current()?.sub ?? null,
      });
    });
    server = await serveOnLoopback(app);
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
          variable: string | null;
          current: string | null;
        };
        if (seen.variable !== expected || seen.current !== expected) {
          crossed.push(`#${i} expected ${expected}, saw ${JSON.stringify(seen)}`);
        }
      });
    } finally {
      await pool.close();
    }
    expect(crossed).toEqual([]);
  });
});
