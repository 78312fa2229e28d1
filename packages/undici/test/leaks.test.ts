import type { Relay } from '@passport-relay/core';
import { createTestRelay } from '@passport-relay/testing';
import {
  Agent,
  type Dispatcher,
  getGlobalDispatcher,
  interceptors,
  request,
  setGlobalDispatcher,
} from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { passportInterceptor } from '../src/index.js';
import {
  asCaller,
  CLIENTS,
  type Client,
  closeServers,
  rawValues,
  receivedAt,
  type Servers,
  startServers,
  testRelay,
} from './fixtures.js';

describe.each(CLIENTS)('$name: where the passport goes', (clientCase) => {
  let servers: Servers | undefined;
  let client: Client | undefined;
  let relay: Relay;
  afterEach(async () => {
    await client?.close();
    client = undefined;
    await closeServers(servers);
  });

  async function setup() {
    servers = await startServers();
    relay = testRelay();
    client = clientCase.setup(relay);
    return { servers, client, token: relay.issue({ sub: 'user-1' }) };
  }

  it('sends the passport and forwarded headers to a host on the list, once', async () => {
    const { servers, client, token } = await setup();
    await asCaller(relay, token, 'req-1', () => client.send(`${servers.allowed.origin}/on-list`));
    const { rawHeaders } = receivedAt(servers.allowed, '/on-list');
    expect(rawValues(rawHeaders, 'passport')).toEqual([token]);
    expect(rawValues(rawHeaders, 'x-request-id')).toEqual(['req-1']);
  });

  it('sends nothing to a host off the list', async () => {
    const { servers, client, token } = await setup();
    await asCaller(relay, token, 'req-1', () => client.send(`${servers.offList.origin}/off-list`));
    const { rawHeaders } = receivedAt(servers.offList, '/off-list');
    expect(rawValues(rawHeaders, 'passport')).toEqual([]);
    expect(rawValues(rawHeaders, 'x-request-id')).toEqual([]);
  });

  it('sends nothing outside a caller’s context', async () => {
    const { servers, client } = await setup();
    await client.send(`${servers.allowed.origin}/no-context`);
    const { rawHeaders } = receivedAt(servers.allowed, '/no-context');
    expect(rawValues(rawHeaders, 'passport')).toEqual([]);
    expect(rawValues(rawHeaders, 'x-request-id')).toEqual([]);
  });
});

/** A client that follows redirects, built the way the README tells users to. */
interface RedirectCase {
  readonly name: string;
  setup(relay: Relay): { send(url: string): Promise<number>; close(): Promise<void> };
}

const REDIRECT_CLIENTS: readonly RedirectCase[] = [
  // fetch follows redirects itself and dispatches every hop through the global dispatcher.
  ...CLIENTS.filter((clientCase) => clientCase.followsRedirects),
  {
    name: 'undici.request, interceptors.redirect composed onto the global dispatcher after install',
    setup(relay) {
      const client = CLIENTS.find((clientCase) => clientCase.name === 'undici.request')!.setup(
        relay,
      );
      const withPassport = getGlobalDispatcher();
      setGlobalDispatcher(withPassport.compose(interceptors.redirect({ maxRedirections: 3 })));
      return {
        send: (url) => client.send(url),
        async close() {
          setGlobalDispatcher(withPassport);
          await client.close();
        },
      };
    },
  },
  {
    name: 'undici Agent composed (passportInterceptor, interceptors.redirect)',
    setup(relay) {
      const agent = new Agent({ connections: 2 });
      const dispatcher: Dispatcher = agent.compose(
        passportInterceptor(relay),
        interceptors.redirect({ maxRedirections: 3 }),
      );
      return {
        async send(url) {
          const response = await request(url, { dispatcher });
          await response.body.text();
          return response.statusCode;
        },
        close: () => agent.close(),
      };
    },
  },
];

describe.each(REDIRECT_CLIENTS)('$name: redirects', (redirectCase) => {
  let servers: Servers | undefined;
  let client: ReturnType<RedirectCase['setup']> | undefined;
  afterEach(async () => {
    await client?.close();
    client = undefined;
    await closeServers(servers);
  });

  it('drops the passport when a host on the list redirects off the list', async () => {
    servers = await startServers();
    const relay = testRelay();
    client = redirectCase.setup(relay);
    const token = relay.issue({ sub: 'user-1' });
    const target = `${servers.offList.origin}/landed`;
    const first = `/redirect?to=${encodeURIComponent(target)}`;
    const status = await asCaller(relay, token, 'req-1', () =>
      client!.send(`${servers!.allowed.origin}${first}`),
    );
    expect(status).toBe(200);
    expect(rawValues(receivedAt(servers.allowed, first).rawHeaders, 'passport')).toEqual([token]);
    const landed = receivedAt(servers.offList, '/landed').rawHeaders;
    expect(rawValues(landed, 'passport')).toEqual([]);
    expect(rawValues(landed, 'x-request-id')).toEqual([]);
  });

  it('keeps the passport on a redirect between hosts on the list', async () => {
    servers = await startServers();
    const relay = testRelay();
    client = redirectCase.setup(relay);
    const token = relay.issue({ sub: 'user-1' });
    const target = `${servers.allowed.origin}/landed`;
    await asCaller(relay, token, 'req-1', () =>
      client!.send(`${servers!.allowed.origin}/redirect?to=${encodeURIComponent(target)}`),
    );
    expect(rawValues(receivedAt(servers.allowed, '/landed').rawHeaders, 'passport')).toEqual([
      token,
    ]);
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
