import {
  createTestRelay,
  type ForgedPassport,
  forgedPassports,
  listenOnLoopback,
  SERVER_FAILURE_SUB,
  schemaFailingFor,
} from '@passport-relay/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { passportRelay } from '../src/index.js';

/** The relay's schema, so that a passport without `tenant` is refused too. */
const tenantSchema = z.object({ sub: z.string(), tenant: z.string() });
const test = createTestRelay({ schema: tenantSchema });
const { relay } = test;
const cases: ForgedPassport[] = forgedPassports(test, {
  claims: { sub: 'mallory', tenant: 't1' },
  schemaRefused: { sub: 'mallory' },
});

describe('fastify refuses every bad passport', () => {
  let app: FastifyInstance;
  let origin: string;
  let handlerCalls = 0;

  beforeAll(async () => {
    app = Fastify();
    await app.register(passportRelay, { relay, required: true });
    app.get('/orders', async (request) => {
      handlerCalls++;
      return { sub: request.passport?.sub };
    });
    ({ origin } = await listenOnLoopback(app));
  });
  afterAll(() => app.close());

  it.each(cases)(
    '$name: $status $code in problem+json, without the token, before the handler, and serves on',
    async ({ code, status, headers, tokens }) => {
      const callsBefore = handlerCalls;

      const refused = await request(`${origin}/orders`, { headers });
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

      const accepted = await request(`${origin}/orders`, {
        headers: { passport: relay.issue({ sub: 'alice', tenant: 't1' }) },
      });
      expect(accepted.statusCode).toBe(200);
      expect(await accepted.body.json()).toEqual({ sub: 'alice' });
      expect(handlerCalls).toBe(callsBefore + 1);
    },
  );
});

describe('fastify answers a server-side failure', () => {
  it('with 500 and a generic detail, never the configuration', async () => {
    const failing = createTestRelay({ schema: schemaFailingFor() }).relay;
    const app = Fastify();
    let handlerCalls = 0;
    await app.register(passportRelay, { relay: failing });
    app.get('/orders', async () => {
      handlerCalls++;
      return {};
    });
    try {
      const origin = await app.listen({ port: 0, host: '127.0.0.1' });
      const response = await request(`${origin}/orders`, {
        headers: { passport: failing.issue({ sub: SERVER_FAILURE_SUB }) },
      });
      const text = await response.body.text();
      expect(response.statusCode).toBe(500);
      expect(JSON.parse(text)).toMatchObject({ code: 'ERR_PASSPORT_OPTIONS' });
      expect(text).not.toMatch(/schema|asynchronous/i);
      expect(handlerCalls).toBe(0);
    } finally {
      await app.close();
    }
  });
});
