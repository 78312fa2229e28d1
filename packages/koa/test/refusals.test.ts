import {
  createTestRelay,
  type ForgedPassport,
  forgedPassports,
  type LoopbackServer,
  listenOnLoopback,
} from '@passport-relay/testing';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PassportState, passportRelay } from '../src/index.js';
import { koaVersions } from './frameworks.js';

const test = createTestRelay();
const { relay } = test;
const cases: ForgedPassport[] = forgedPassports(test);

describe.each(koaVersions)('$name refuses every bad passport', ({ Koa }) => {
  let server: LoopbackServer;
  let handlerCalls = 0;

  beforeAll(async () => {
    const app = new Koa<PassportState>();
    app.use(passportRelay(relay, { required: true }));
    app.use((ctx) => {
      handlerCalls++;
      ctx.body = { sub: ctx.state.passport?.sub };
    });
    server = await listenOnLoopback(app.callback());
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
