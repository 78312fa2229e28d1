import type { Relay } from '@passport-relay/core';
import { createTestRelay, rawHeaderValues } from '@passport-relay/testing';
import type { Dispatcher } from 'undici';
import { describe, expect, it } from 'vitest';
import { passportInterceptor } from '../src/index.js';
import { asCaller, clientPerTest, clientsFor } from './fixtures.js';
import { describeEachUndici, saveGlobalDispatchers, type Undici } from './undici-versions.js';

/** A client that follows redirects, built the way the README tells users to. */
interface RedirectCase {
  readonly name: string;
  setup(relay: Relay): { send(url: string): Promise<number>; close(): Promise<void> };
}

const redirectClientsFor = (undici: Undici): readonly RedirectCase[] => [
  // fetch follows redirects itself and dispatches every hop through the global dispatcher.
  ...clientsFor(undici).filter((clientCase) => clientCase.followsRedirects),
  {
    name: 'undici.request, interceptors.redirect composed onto the global dispatcher after install',
    setup(relay) {
      const client = clientsFor(undici)
        .find((clientCase) => clientCase.name === 'undici.request')!
        .setup(relay);
      const restore = saveGlobalDispatchers();
      undici.setGlobalDispatcher(
        undici.getGlobalDispatcher().compose(undici.interceptors.redirect({ maxRedirections: 3 })),
      );
      return {
        send: (url) => client.send(url),
        async close() {
          restore();
          await client.close();
        },
      };
    },
  },
  {
    name: 'undici Agent composed (passportInterceptor, interceptors.redirect)',
    setup(relay) {
      const agent = new undici.Agent({ connections: 2 });
      const dispatcher: Dispatcher = agent.compose(
        passportInterceptor(relay),
        undici.interceptors.redirect({ maxRedirections: 3 }),
      );
      return {
        async send(url) {
          const response = await undici.request(url, { dispatcher });
          await response.body.text();
          return response.statusCode;
        },
        close: () => agent.close(),
      };
    },
  },
];

describeEachUndici(({ undici }) => {
  describe.each(clientsFor(undici))('$name: where the passport goes', (clientCase) => {
    const fixture = clientPerTest(clientCase);

    it('sends the passport and forwarded headers to a host on the list, once', async () => {
      const { servers, relay, client, token } = fixture;
      await asCaller(relay, token, 'req-1', () => client.send(`${servers.allowed.origin}/on-list`));
      const { rawHeaders } = servers.allowed.receivedAt('/on-list');
      expect(rawHeaderValues(rawHeaders, 'passport')).toEqual([token]);
      expect(rawHeaderValues(rawHeaders, 'x-request-id')).toEqual(['req-1']);
    });

    it('sends nothing to a host off the list', async () => {
      const { servers, relay, client, token } = fixture;
      await asCaller(relay, token, 'req-1', () =>
        client.send(`${servers.offList.origin}/off-list`),
      );
      const { rawHeaders } = servers.offList.receivedAt('/off-list');
      expect(rawHeaderValues(rawHeaders, 'passport')).toEqual([]);
      expect(rawHeaderValues(rawHeaders, 'x-request-id')).toEqual([]);
    });

    it('sends nothing outside a caller’s context', async () => {
      const { servers, client } = fixture;
      await client.send(`${servers.allowed.origin}/no-context`);
      const { rawHeaders } = servers.allowed.receivedAt('/no-context');
      expect(rawHeaderValues(rawHeaders, 'passport')).toEqual([]);
      expect(rawHeaderValues(rawHeaders, 'x-request-id')).toEqual([]);
    });
  });

  describe.each(redirectClientsFor(undici))('$name: redirects', (redirectCase) => {
    const fixture = clientPerTest(redirectCase);

    it('drops the passport when a host on the list redirects off the list', async () => {
      const { servers, relay, client, token } = fixture;
      const target = `${servers.offList.origin}/landed`;
      const first = `/redirect?to=${encodeURIComponent(target)}`;
      const status = await asCaller(relay, token, 'req-1', () =>
        client.send(`${servers.allowed.origin}${first}`),
      );
      expect(status).toBe(200);
      expect(rawHeaderValues(servers.allowed.receivedAt(first).rawHeaders, 'passport')).toEqual([
        token,
      ]);
      const landed = servers.offList.receivedAt('/landed').rawHeaders;
      expect(rawHeaderValues(landed, 'passport')).toEqual([]);
      expect(rawHeaderValues(landed, 'x-request-id')).toEqual([]);
    });

    it('keeps the passport on a redirect between hosts on the list', async () => {
      const { servers, relay, client, token } = fixture;
      const target = `${servers.allowed.origin}/landed`;
      await asCaller(relay, token, 'req-1', () =>
        client.send(`${servers.allowed.origin}/redirect?to=${encodeURIComponent(target)}`),
      );
      expect(rawHeaderValues(servers.allowed.receivedAt('/landed').rawHeaders, 'passport')).toEqual(
        [token],
      );
    });
  });
});

describe('metadata and link-local addresses', () => {
  // Decided without sending traffic: the interceptor's inner dispatch records the options it
  // would send. Every pattern below would match these hosts if the policy let it.
  const relay = createTestRelay({
    mode: 'HS256',
    propagateTo: ['0.0.0.0/0', '::/0', '*', '*.internal', '*.goog', '*.ec2.internal'],
  }).relay;

  function headersSentTo(origin: string): Record<string, string> {
    let sent: Dispatcher.DispatchOptions | undefined;
    const dispatch = passportInterceptor(relay)((opts) => {
      sent = opts;
      return true;
    });
    relay.run({ sub: 'user-1' }, () =>
      dispatch({ origin, path: '/', method: 'GET', headers: {} }, { onRequestStart() {} }),
    );
    return sent?.headers as Record<string, string>;
  }

  it.each([
    'http://169.254.169.254',
    'http://169.254.170.2',
    'http://[fe80::1]',
    'http://[fd00:ec2::254]',
    'http://[::ffff:169.254.169.254]',
    'http://2852039166',
    'http://0xA9FEA9FE',
    'http://100.100.100.200',
    'http://metadata',
    'http://metadata.google.internal',
    'http://metadata.goog',
    'http://instance-data.ec2.internal',
  ])('never sends the passport to %s, even when a pattern matches it', (origin) => {
    expect(headersSentTo(origin)).not.toHaveProperty('passport');
  });

  it.each(['http://10.1.2.3', 'http://[fd12::1]', 'http://orders', 'http://db.internal'])(
    'sends it to %s, which the same patterns allow',
    (origin) => {
      expect(headersSentTo(origin)).toHaveProperty('passport');
    },
  );
});
