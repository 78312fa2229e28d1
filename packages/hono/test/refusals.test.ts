import {
  createTestRelay,
  type ForgedPassport,
  forgedPassports,
  type LoopbackServer,
} from '@passport-relay/testing';
import { Hono } from 'hono';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PassportEnv, passportRelay } from '../src/index.js';
import { serveOnLoopback } from './serve.js';

const test = createTestRelay();
const { relay } = test;
const cases: ForgedPassport[] = forgedPassports(test);

describe('Hono refuses every bad passport', () => {
  let server: LoopbackServer;
  let handlerCalls = 0;

  beforeAll(async () => {
    const app = new Hono<PassportEnv>();
    app.use(passportRelay(relay, { required: true }));
    app.get('/orders', (c) => {
      handlerCalls++;
      return c.json({ sub: c.get('passport')?.sub });
    });
    server = await serveOnLoopback(app);
  });
  afterAll(() => server.close());

  it.each(cases)(
    '$name: $status $code in problem+json, without the token, before the handler, and serves on',
    async ({ code, status, headers, tokens }) => {
      const callsBefore = handlerCalls;

      const refused = await request(`${server.origin}/orders`, { headers });
      const text = await refused.body.text();

      expect(refused.statusCode).toBe(status);
      expect(refused.headers['content-type']).toBe('application/problem+json');
      expect(JSON.parse(text)).toMatchObject({
        code,
        status,
        type: `urn:passport-relay:error:${code}`,
      });
      for (const token of tokens) {
        for (const part of token.split('.').filter((segment) => segment.length >= 8)) {
          expect(text).not.toContain(part);
        }
      }
      if (status === 401) expect(refused.headers['www-authenticate']).toContain(code);
      expect(handlerCalls).toBe(callsBefore);

      const accepted = await request(`${server.origin}/orders`, {
        headers: { passport: relay.issue({ sub: 'alice' }) },
      });
      expect(await accepted.body.json()).toEqual({ sub: 'alice' });
      expect(handlerCalls).toBe(callsBefore + 1);
    },
  );
});
