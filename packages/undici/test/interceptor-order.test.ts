import { isPassportError, type Relay } from '@passport-relay/core';
import { rawHeaderValues } from '@passport-relay/testing';
import type { Dispatcher } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installGlobalFetchPropagation, passportInterceptor } from '../src/index.js';
import { asCaller, serversPerTest, testRelay } from './fixtures.js';
import { describeEachUndici, saveGlobalDispatchers } from './undici-versions.js';

describeEachUndici(({ undici, major }) => {
  const servers = serversPerTest();
  let relay: Relay;
  let token: string;
  let agent: Dispatcher;

  beforeEach(() => {
    relay = testRelay();
    token = relay.issue({ sub: 'user-1' });
    agent = new undici.Agent({ connections: 1 });
  });

  afterEach(async () => {
    await agent.close();
  });

  function redirectOffList(): string {
    return `${servers.allowed.origin}/redirect?to=${encodeURIComponent(`${servers.offList.origin}/landed`)}`;
  }

  async function get(url: string, dispatcher?: Dispatcher): Promise<number> {
    const response = await undici.request(url, dispatcher === undefined ? {} : { dispatcher });
    await response.body.text();
    return response.statusCode;
  }

  async function rejection(promise: Promise<unknown>): Promise<unknown> {
    try {
      await promise;
    } catch (error) {
      return error;
    }
    throw new Error('expected the request to fail');
  }

  describe('interceptors.redirect composed inside passportInterceptor (the wrong order)', () => {
    function wrongOrder(): Dispatcher {
      return agent.compose(
        undici.interceptors.redirect({ maxRedirections: 3 }),
        passportInterceptor(relay),
      );
    }

    it('fails the redirected hop with ERR_PASSPORT_OPTIONS instead of sending the passport', async () => {
      const error = await rejection(
        asCaller(relay, token, 'req-1', () => get(redirectOffList(), wrongOrder())),
      );
      expect(isPassportError(error)).toBe(true);
      expect(error).toMatchObject({
        code: 'ERR_PASSPORT_OPTIONS',
        message: expect.stringContaining('passportInterceptor(relay), interceptors.redirect'),
      });
      expect(servers.offList.requests).toEqual([]);
    });

    it('still follows redirects for requests that carry no passport', async () => {
      expect(await get(redirectOffList(), wrongOrder())).toBe(200);
      expect(rawHeaderValues(servers.offList.receivedAt('/landed').rawHeaders, 'passport')).toEqual(
        [],
      );
    });
  });

  describe('a global dispatcher that already follows redirects', () => {
    let restore: () => void;
    let uninstall: (() => void) | undefined;
    beforeEach(() => {
      restore = saveGlobalDispatchers();
      undici.setGlobalDispatcher(
        agent.compose(undici.interceptors.redirect({ maxRedirections: 3 })),
      );
    });
    afterEach(() => {
      uninstall?.();
      restore();
    });

    it('fails a redirected undici.request carrying the passport; nothing reaches the off-list host', async () => {
      uninstall = installGlobalFetchPropagation(relay, { undici });
      const error = await rejection(asCaller(relay, token, 'req-1', () => get(redirectOffList())));
      expect(error).toMatchObject({ code: 'ERR_PASSPORT_OPTIONS' });
      expect(servers.offList.requests).toEqual([]);
    });

    it('leaves fetch’s own redirect handling correct: each hop is decided for its host', async () => {
      uninstall = installGlobalFetchPropagation(relay, { undici });
      await asCaller(relay, token, 'req-1', async () => (await fetch(redirectOffList())).text());
      expect(rawHeaderValues(servers.offList.receivedAt('/landed').rawHeaders, 'passport')).toEqual(
        [],
      );
    });
  });

  describe('redirect hops decided in the socket callback of another caller’s request', () => {
    it('carry their own caller’s passport (Agent with connections: 1, 300 concurrent redirects)', async () => {
      const dispatcher = agent.compose(
        passportInterceptor(relay),
        undici.interceptors.redirect({ maxRedirections: 3 }),
      );
      const origin = servers.allowed.origin;
      const tokens = Array.from({ length: 300 }, (_, i) => relay.issue({ sub: `user-${i}` }));
      await Promise.all(
        tokens.map((callerToken, i) =>
          asCaller(relay, callerToken, `req-${i}`, () =>
            get(`${origin}/redirect?to=${encodeURIComponent(`${origin}/landed/${i}`)}`, dispatcher),
          ),
        ),
      );
      const crossed = tokens.filter((callerToken, i) => {
        const raw = servers.allowed.receivedAt(`/landed/${i}`).rawHeaders;
        return rawHeaderValues(raw, 'passport').join() !== callerToken;
      });
      expect(crossed).toEqual([]);
    }, 60_000);

    it('carry nothing when the request was dispatched outside any caller, even inside one later', async () => {
      const sent: Dispatcher.DispatchOptions[] = [];
      const dispatch = passportInterceptor(relay)((opts) => {
        sent.push(opts);
        return true;
      });
      const handler = { onRequestStart() {} };
      const first = { origin: servers.allowed.origin, path: '/', method: 'GET' as const };
      dispatch(first, handler);
      asCaller(relay, token, 'req-1', () => dispatch({ ...first, path: '/hop' }, handler));
      expect(sent.map((opts) => opts.headers)).toEqual([undefined, undefined]);
    });
  });

  describe.skipIf(major < 8)('undici 8’s own order check', () => {
    it('refuses interceptors.cache composed before interceptors.redirect (the README says where cache goes then)', () => {
      expect(() =>
        agent.compose(
          undici.interceptors.cache(),
          passportInterceptor(relay),
          undici.interceptors.redirect({ maxRedirections: 3 }),
        ),
      ).toThrow(/cache interceptor must be composed after the redirect interceptor/);
    });
  });

  describe('interceptors.deduplicate composed inside passportInterceptor (the right order)', () => {
    it('never hands one caller the response fetched with another caller’s passport', async () => {
      const dispatcher = agent.compose(
        undici.interceptors.deduplicate(),
        passportInterceptor(relay),
      );
      const url = `${servers.allowed.origin}/same-url`;
      const tokens = [relay.issue({ sub: 'alice' }), relay.issue({ sub: 'bob' })];
      const echoed = await Promise.all(
        tokens.map((callerToken, i) =>
          asCaller(relay, callerToken, `req-${i}`, async () => {
            const response = await undici.request(url, { dispatcher });
            const body = (await response.body.json()) as { headers: Record<string, string> };
            return body.headers.passport;
          }),
        ),
      );
      expect(echoed).toEqual(tokens);
    });
  });
});
