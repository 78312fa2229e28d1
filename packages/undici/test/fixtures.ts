import type { Relay } from '@passport-relay/core';
import {
  createTestRelay,
  type RecordingServer,
  recordingServerPerTest,
  runAsCaller,
} from '@passport-relay/testing';
import type { Dispatcher } from 'undici';
import { afterEach, beforeEach } from 'vitest';
import { installGlobalFetchPropagation, passportInterceptor } from '../src/index.js';
import { saveGlobalDispatchers, type Undici } from './undici-versions.js';

/** The allowlist every test relay uses: 127.0.0.1 only, so a server on 127.0.0.2 is off the list. */
export const ALLOWED_HOST = '127.0.0.1';
export const OFF_LIST_HOST = '127.0.0.2';

/** A relay that signs with HS256 (fast), allows only 127.0.0.1 and forwards `x-request-id`. */
export function testRelay(): Relay {
  return createTestRelay({
    mode: 'HS256',
    propagateTo: [ALLOWED_HOST],
    forwardHeaders: ['x-request-id'],
  }).relay;
}

/** Run `fn` as the caller of an inbound request carrying `token` and `x-request-id: requestId`. */
export function asCaller<R>(relay: Relay, token: string, requestId: string, fn: () => R): R {
  return runAsCaller(relay, { passport: token, 'x-request-id': requestId }, fn);
}

export interface Servers {
  /** On 127.0.0.1: on the list. */
  readonly allowed: RecordingServer;
  /** On 127.0.0.2: off the list. */
  readonly offList: RecordingServer;
}

/** Per test: a recording server on the list and one off it, both closed after the test. */
export function serversPerTest(): Servers {
  const hooks = { beforeEach, afterEach };
  return {
    allowed: recordingServerPerTest(hooks, { host: ALLOWED_HOST }),
    offList: recordingServerPerTest(hooks, { host: OFF_LIST_HOST }),
  };
}

export type Headers = Record<string, string> | string[] | Iterable<[string, string]>;

/** A real client, set up with the relay the way a user would. */
export interface Client {
  /** Send a GET to `url` (reading the whole response); resolves to the status. */
  send(url: string, headers?: Headers): Promise<number>;
  close(): Promise<void>;
}

export interface ClientCase {
  readonly name: string;
  /** Whether it goes through undici's global dispatcher (installGlobalFetchPropagation). */
  readonly global: boolean;
  /** Whether it follows redirects as set up (fetch does; request needs interceptors.redirect). */
  readonly followsRedirects: boolean;
  setup(relay: Relay): Client;
}

/**
 * Make an `Agent` of `undici` with a connection limit the global dispatcher (so 1,000 concurrent
 * calls queue, the case where reading the context late crosses passports), install propagation
 * through that undici, and put everything back on close.
 */
function globalClient(
  undici: Undici,
  relay: Relay,
  send: (url: string, headers: Headers | undefined) => Promise<number>,
): Client {
  const restore = saveGlobalDispatchers();
  const agent = new undici.Agent({ connections: 8 });
  undici.setGlobalDispatcher(agent);
  const uninstall = installGlobalFetchPropagation(relay, { undici });
  return {
    send: (url, headers) => send(url, headers),
    async close() {
      uninstall();
      restore();
      await agent.close();
    },
  };
}

async function requestWith(
  undici: Undici,
  url: string,
  headers: Headers | undefined,
  dispatcher?: Dispatcher,
): Promise<number> {
  const response = await undici.request(url, {
    ...(headers === undefined ? {} : { headers: headers as Record<string, string> }),
    ...(dispatcher === undefined ? {} : { dispatcher }),
  });
  await response.body.text();
  return response.statusCode;
}

/** The clients of one undici major (and Node's built-in fetch, through that undici's global install). */
export const clientsFor = (undici: Undici): readonly ClientCase[] => [
  {
    name: 'global fetch (Node built-in)',
    global: true,
    followsRedirects: true,
    setup: (relay) =>
      globalClient(undici, relay, async (url, headers) => {
        const response = await fetch(
          url,
          headers === undefined ? {} : { headers: headers as Record<string, string> },
        );
        await response.text();
        return response.status;
      }),
  },
  {
    name: 'undici.fetch',
    global: true,
    followsRedirects: true,
    setup: (relay) =>
      globalClient(undici, relay, async (url, headers) => {
        const response = await undici.fetch(
          url,
          headers === undefined ? {} : { headers: headers as Record<string, string> },
        );
        await response.text();
        return response.status;
      }),
  },
  {
    name: 'undici.request',
    global: true,
    followsRedirects: false,
    setup: (relay) =>
      globalClient(undici, relay, (url, headers) => requestWith(undici, url, headers)),
  },
  {
    name: 'Node built-in fetch with { dispatcher } composed with passportInterceptor',
    global: false,
    followsRedirects: true,
    setup(relay) {
      const agent = new undici.Agent({ connections: 2 });
      const composed = agent.compose(passportInterceptor(relay));
      // As the README says: Node 20 to 24's fetch makes handlers of undici's older interface, which
      // an undici 8 Agent no longer takes; undici 8's Dispatcher1Wrapper converts them.
      const { Dispatcher1Wrapper } = undici as unknown as {
        Dispatcher1Wrapper?: new (dispatcher: Dispatcher) => Dispatcher;
      };
      const dispatcher =
        Dispatcher1Wrapper === undefined ? composed : new Dispatcher1Wrapper(composed);
      return {
        async send(url, headers) {
          const response = await fetch(url, {
            ...(headers === undefined ? {} : { headers: headers as Record<string, string> }),
            dispatcher,
          } as unknown as RequestInit);
          await response.text();
          return response.status;
        },
        close: () => agent.close(),
      };
    },
  },
  {
    name: 'undici Pool (connections: 1)',
    global: false,
    followsRedirects: false,
    setup(relay) {
      // A Pool serves one origin: one composed Pool per origin, as an app would hold them.
      const pools = new Map<string, { pool: Dispatcher; dispatcher: Dispatcher }>();
      const interceptor = passportInterceptor(relay);
      return {
        send(url, headers) {
          const origin = new URL(url).origin;
          let entry = pools.get(origin);
          if (entry === undefined) {
            const pool = new undici.Pool(origin, { connections: 1 });
            entry = { pool, dispatcher: pool.compose(interceptor) };
            pools.set(origin, entry);
          }
          return requestWith(undici, url, headers, entry.dispatcher);
        },
        async close() {
          await Promise.all([...pools.values()].map(({ pool }) => pool.close()));
        },
      };
    },
  },
  {
    name: 'undici Agent (connections: 2)',
    global: false,
    followsRedirects: false,
    setup(relay) {
      const agent = new undici.Agent({ connections: 2 });
      const dispatcher = agent.compose(passportInterceptor(relay));
      return {
        send: (url, headers) => requestWith(undici, url, headers, dispatcher),
        close: () => agent.close(),
      };
    },
  },
];

/** What a test of one client works with: all of it fresh for every test. */
export interface ClientFixture<C> {
  readonly servers: Servers;
  readonly relay: Relay;
  /** A passport of `user-1`, issued by `relay`. */
  readonly token: string;
  readonly client: C;
}

/**
 * Per test: both recording servers, a fresh relay, a passport, and `clientCase` set up with that
 * relay; after the test the client closes first, then the servers.
 */
export function clientPerTest<C extends { close(): Promise<void> }>(clientCase: {
  setup(relay: Relay): C;
}): ClientFixture<C> {
  const servers = serversPerTest();
  let current: Omit<ClientFixture<C>, 'servers'> | undefined;
  const now = () => {
    if (current === undefined) throw new Error('clientPerTest: read it inside a test');
    return current;
  };
  beforeEach(() => {
    const relay = testRelay();
    current = { relay, token: relay.issue({ sub: 'user-1' }), client: clientCase.setup(relay) };
  });
  afterEach(async () => {
    const running = current;
    current = undefined;
    await running?.client.close();
  });
  return {
    servers,
    get relay() {
      return now().relay;
    },
    get token() {
      return now().token;
    },
    get client() {
      return now().client;
    },
  };
}
