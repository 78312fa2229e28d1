import {
  createTestRelay,
  type ForgedPassport,
  forgedPassports,
  type LoopbackServer,
  listenOnLoopback,
  SERVER_FAILURE_SUB,
  schemaFailingFor,
} from '@passport-relay/testing';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { passportRelay } from '../src/index.js';
import { expressVersions } from './frameworks.js';

/** The relay's schema, so that a passport without `tenant` is refused too. */
const tenantSchema = z.object({ sub: z.string(), tenant: z.string() });
const test = createTestRelay({ schema: tenantSchema });
const { relay } = test;
const cases: ForgedPassport[] = forgedPassports(test, {
  claims: { sub: 'mallory', tenant: 't1' },
  schemaRefused: { sub: 'mallory' },
});

describe.each(expressVersions)('$name refuses every bad passport', ({ express }) => {
  let server: LoopbackServer;
  let handlerCalls = 0;

  beforeAll(async () => {
    const app = express();
    app.use(passportRelay(relay, { required: true }));
    app.get('/orders', (_req, res) => {
      handlerCalls++;
      res.json({ sub: relay.current()?.sub });
    });
    server = await listenOnLoopback(app);
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
        headers: { passport: relay.issue({ sub: 'alice', tenant: 't1' }) },
      });
      expect(accepted.statusCode).toBe(200);
      expect(await accepted.body.json()).toEqual({ sub: 'alice' });
      expect(handlerCalls).toBe(callsBefore + 1);
    },
  );
});

describe.each(expressVersions)('$name answers a server-side failure', ({ express }) => {
  it('with 500 and a generic detail, never the configuration', async () => {
    const failing = createTestRelay({ schema: schemaFailingFor() }).relay;
    const app = express();
    let handlerCalls = 0;
    app.use(passportRelay(failing));
    app.get('/orders', (_req, res) => {
      handlerCalls++;
      res.json({});
    });
    const server = await listenOnLoopback(app);
    try {
      const response = await request(`${server.origin}/orders`, {
        headers: { passport: failing.issue({ sub: SERVER_FAILURE_SUB }) },
      });
      const text = await response.body.text();
      expect(response.statusCode).toBe(500);
      expect(JSON.parse(text)).toMatchObject({ code: 'ERR_PASSPORT_OPTIONS' });
      expect(text).not.toMatch(/schema|asynchronous/i);
      expect(handlerCalls).toBe(0);
    } finally {
      await server.close();
    }
  });
});
