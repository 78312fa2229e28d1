import type { Relay } from '@passport-relay/core';
import { rawHeaderValues } from '@passport-relay/testing';
import type { Dispatcher } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { passportInterceptor } from '../src/index.js';
import { asCaller, clientPerTest, clientsFor, serversPerTest, testRelay } from './fixtures.js';
import { describeEachUndici } from './undici-versions.js';

describeEachUndici(({ undici }) => {
  describe.each(clientsFor(undici))('$name: a header the caller sets', (clientCase) => {
    const fixture = clientPerTest(clientCase);

    it('wins over the relay’s, and is sent exactly once', async () => {
      const { servers, relay, client, token } = fixture;
      await asCaller(relay, token, 'req-1', () =>
        client.send(`${servers.allowed.origin}/explicit`, {
          Passport: 'set-by-caller',
          'X-Request-Id': 'caller-request-id',
        }),
      );
      const { rawHeaders } = servers.allowed.receivedAt('/explicit');
      expect(rawHeaderValues(rawHeaders, 'passport')).toEqual(['set-by-caller']);
      expect(rawHeaderValues(rawHeaders, 'x-request-id')).toEqual(['caller-request-id']);
    });
  });

  describe('every header shape undici accepts (undici.request through a composed Agent)', () => {
    const servers = serversPerTest();
    let agent: Dispatcher | undefined;
    let relay: Relay;
    let dispatcher: Dispatcher;
    let token: string;
    afterEach(async () => {
      await agent?.close();
    });

    async function send(path: string, headers: unknown): Promise<readonly string[]> {
      relay = testRelay();
      token = relay.issue({ sub: 'user-1' });
      agent = new undici.Agent();
      dispatcher = agent.compose(passportInterceptor(relay));
      await asCaller(relay, token, 'req-1', async () => {
        const response = await undici.request(`${servers.allowed.origin}${path}`, {
          dispatcher,
          headers: headers as Record<string, string>,
        });
        await response.body.text();
      });
      return servers.allowed.receivedAt(path).rawHeaders;
    }

    const callerSet: readonly [string, () => unknown][] = [
      ['an object, any case', () => ({ PASSPORT: 'set-by-caller', accept: 'text/plain' })],
      [
        'a flat [name, value, ...] array',
        () => ['accept', 'text/plain', 'PaSsPoRt', 'set-by-caller'],
      ],
      ['a Headers instance', () => new Headers({ Passport: 'set-by-caller' })],
      ['a Map', () => new Map([['Passport', 'set-by-caller']])],
      [
        'a one-shot generator',
        () =>
          (function* () {
            yield ['accept', 'text/plain'];
            yield ['Passport', 'set-by-caller'];
          })(),
      ],
    ];

    it.each(callerSet)('keeps the caller’s passport given as %s, once', async (_shape, headers) => {
      const raw = await send('/shape', headers());
      expect(rawHeaderValues(raw, 'passport')).toEqual(['set-by-caller']);
      expect(rawHeaderValues(raw, 'x-request-id')).toEqual(['req-1']);
    });

    it.each([
      ['no headers', undefined],
      ['null', null],
    ])('adds the passport when the caller gives %s', async (_shape, headers) => {
      const raw = await send('/shape', headers);
      expect(rawHeaderValues(raw, 'passport')).toEqual([token]);
    });

    const withoutPassport: readonly [string, () => unknown][] = [
      ['an object', () => ({ accept: 'text/plain' })],
      [
        'an object whose passport is undefined',
        () => ({ passport: undefined, accept: 'text/plain' }),
      ],
      ['a flat array', () => ['accept', 'text/plain']],
      ['a Headers instance', () => new Headers({ accept: 'text/plain' })],
      ['a Map', () => new Map([['accept', 'text/plain']])],
      [
        'a one-shot generator',
        () =>
          (function* () {
            yield ['accept', 'text/plain'];
          })(),
      ],
    ];

    it.each(withoutPassport)(
      'adds the passport to %s, keeping the caller’s headers',
      async (_shape, headers) => {
        const raw = await send('/shape', headers());
        expect(rawHeaderValues(raw, 'passport')).toEqual([token]);
        expect(rawHeaderValues(raw, 'accept')).toEqual(['text/plain']);
      },
    );

    it('never changes the caller’s header object', async () => {
      const headers = { accept: 'text/plain' };
      const raw = await send('/object', headers);
      expect(rawHeaderValues(raw, 'passport')).toEqual([token]);
      expect(headers).toEqual({ accept: 'text/plain' });
    });

    it('never changes the caller’s header array', async () => {
      const headers = ['accept', 'text/plain'];
      const raw = await send('/array', headers);
      expect(rawHeaderValues(raw, 'passport')).toEqual([token]);
      expect(headers).toEqual(['accept', 'text/plain']);
    });

    it('never changes the caller’s Headers instance', async () => {
      const headers = new Headers({ accept: 'text/plain' });
      const raw = await send('/headers', headers);
      expect(rawHeaderValues(raw, 'passport')).toEqual([token]);
      expect([...headers]).toEqual([['accept', 'text/plain']]);
    });
  });
});

describe('the dispatched options', () => {
  const relay = testRelay();
  const origin = 'http://127.0.0.1:1';

  /** What the interceptor hands to the next dispatch, without any traffic. */
  function dispatched(headers: unknown): Dispatcher.DispatchOptions {
    let sent: Dispatcher.DispatchOptions | undefined;
    const dispatch = passportInterceptor(relay)((opts) => {
      sent = opts;
      return true;
    });
    relay.run({ sub: 'user-1' }, () =>
      dispatch(
        { origin, path: '/', method: 'GET', headers: headers as Record<string, string> },
        { onRequestStart() {} },
      ),
    );
    return sent!;
  }

  it('keeps an array of [name, value] pairs as pairs', () => {
    const headers = dispatched([['accept', 'text/plain']]).headers;
    expect(headers).toEqual([
      ['accept', 'text/plain'],
      ['passport', expect.any(String)],
    ]);
  });

  it('passes the caller’s own options object on when there is no caller context', () => {
    let sent: Dispatcher.DispatchOptions | undefined;
    const dispatch = passportInterceptor(relay)((opts) => {
      sent = opts;
      return true;
    });
    const opts = { origin, path: '/', method: 'GET' as const, headers: { accept: 'text/plain' } };
    dispatch(opts, { onRequestStart() {} });
    expect(sent).toBe(opts);
  });

  it('adds nothing when the options name no origin (the destination cannot be checked)', () => {
    let sent: Dispatcher.DispatchOptions | undefined;
    const dispatch = passportInterceptor(relay)((opts) => {
      sent = opts;
      return true;
    });
    relay.run({ sub: 'user-1' }, () =>
      dispatch({ path: '/', method: 'GET' }, { onRequestStart() {} }),
    );
    expect(sent?.headers).toBeUndefined();
  });
});
