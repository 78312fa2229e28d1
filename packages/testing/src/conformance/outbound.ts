import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { DIAGNOSTICS_CHANNELS, type Relay } from '@passport-relay/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rawHeaderValues } from '../raw-header-values.js';
import { type RecordingServer, startRecordingServer } from '../recording-server.js';
import { createTestRelay } from '../test-relay.js';

/** One GET the suite asks the client under test to send. */
export interface OutboundRequest {
  /** The URL, as the application would write it. */
  readonly url: string;
  /** Headers the caller sets explicitly, names as given (any case). */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * When set, connect to this port on 127.0.0.1 whatever host the URL names (a custom agent,
   * dispatcher or `lookup`), so the suite can ask for `http://169.254.169.254/` without leaving the
   * machine. The URL's host is still what the adapter decides on.
   */
  readonly connectTo?: number;
}

/**
 * How the outbound suite drives one client adapter: install it, and send a GET with the client.
 *
 * @example
 * ```ts
 * const harness: OutboundAdapterHarness = {
 *   install: (relay) => installHttpPropagation(relay),
 *   followsRedirects: false,
 *   get: ({ url, headers, connectTo }) => new Promise((resolve, reject) => {
 *     const agent = connectTo === undefined ? undefined : loopbackAgent(connectTo);
 *     http.get(url, { headers, agent }, (res) => res.resume().on('end', () => resolve())).on('error', reject);
 *   }),
 * };
 * ```
 */
export interface OutboundAdapterHarness {
  /** Install the adapter for `relay`; return its uninstall. */
  install(relay: Relay<object>): () => void;
  /**
   * Send one GET with the client as an application does (a pooled client with a connection limit,
   * where the client has one), and settle once the response is read.
   */
  get(request: OutboundRequest): Promise<unknown>;
  /** Whether the client follows redirects by itself (then the suite checks each hop). */
  readonly followsRedirects: boolean;
}

/** Options of {@link describeOutboundAdapter}. */
export interface OutboundSuiteOptions {
  /**
   * How many callers send at once in the concurrency test.
   * @default 40
   */
  readonly concurrency?: number;
}

/** Spellings of cloud metadata hosts a client may be asked for; none may receive a passport. */
const METADATA_HOSTS = [
  '169.254.169.254',
  '2852039166',
  '0xA9FEA9FE',
  '[::ffff:169.254.169.254]',
  'metadata.google.internal',
  'metadata.tencentyun.com',
];

/**
 * The conformance suite every outbound (client) adapter passes (vitest): the passport and
 * forwarded headers go to an allowed destination inside a context and nowhere outside one; the
 * caller's own header wins and is sent once; nothing goes to a host off the list, nor to one a
 * redirect leads to, nor to any spelling of a cloud metadata host; concurrent callers never get each
 * other's passport; the `injected` diagnostic names only headers actually added; installing twice
 * sends one header.
 *
 * @param name The adapter's name, for the test titles.
 * @param harness How to install the adapter and send with its client.
 * @example
 * ```ts
 * import { describeOutboundAdapter } from '@passport-relay/testing/conformance';
 *
 * describeOutboundAdapter('node:http', {
 *   install: (relay) => installHttpPropagation(relay),
 *   followsRedirects: false,
 *   get: ({ url, headers, connectTo }) => getWithNodeHttp(url, headers, connectTo),
 * });
 * ```
 */
export function describeOutboundAdapter(
  name: string,
  harness: OutboundAdapterHarness,
  options: OutboundSuiteOptions = {},
): void {
  describe(`${name} passes the outbound adapter conformance suite`, () => {
    // 127.0.0.2 is loopback on Linux too, but not on this relay's list.
    const { relay } = createTestRelay({
      mode: 'HS256',
      propagateTo: ['127.0.0.1'],
      forwardHeaders: ['x-request-id'],
    });
    const token = relay.issue({ sub: 'alice' });
    const inbound = () => relay.extract({ passport: token, 'x-request-id': 'req-1' });
    const uninstalls: (() => void)[] = [];
    let allowed: RecordingServer;
    let offList: RecordingServer;
    beforeAll(async () => {
      allowed = await startRecordingServer();
      offList = await startRecordingServer({ host: '127.0.0.2' });
      uninstalls.push(harness.install(relay as Relay<object>));
    });
    afterAll(async () => {
      for (const uninstall of uninstalls.splice(0).reverse()) uninstall();
      await allowed?.close();
      await offList?.close();
    });
    afterEach(() => {
      allowed.requests.length = 0;
      offList.requests.length = 0;
    });
    const managed = (server: RecordingServer) => server.received(['passport', 'x-request-id']);

    it('sends the passport and forwarded headers to an allowed host inside a context, nothing outside one', async () => {
      await relay.runWith(inbound(), () => harness.get({ url: `${allowed.origin}/inside` }));
      await harness.get({ url: `${allowed.origin}/outside` });
      expect(managed(allowed)).toEqual([
        [token, 'req-1'],
        [undefined, undefined],
      ]);
    });

    it("lets the caller's own header win, sent once, in any case", async () => {
      await relay.runWith(inbound(), () =>
        harness.get({ url: `${allowed.origin}/own`, headers: { PassPort: 'callers-own' } }),
      );
      const [request] = allowed.requests;
      expect(rawHeaderValues(request!.rawHeaders, 'passport')).toEqual(['callers-own']);
      expect(rawHeaderValues(request!.rawHeaders, 'x-request-id')).toEqual(['req-1']);
    });

    it('sends nothing to a host off the list', async () => {
      await relay.runWith(inbound(), () => harness.get({ url: `${offList.origin}/off` }));
      expect(managed(offList)).toEqual([[undefined, undefined]]);
    });

    it.skipIf(!harness.followsRedirects)(
      'sends nothing to a host off the list that an allowed host redirects to',
      async () => {
        const target = encodeURIComponent(`${offList.origin}/landed`);
        await relay.runWith(inbound(), () =>
          harness.get({ url: `${allowed.origin}/redirect?to=${target}` }),
        );
        expect(managed(allowed)).toEqual([[token, 'req-1']]);
        expect(offList.requests.map((request) => request.url)).toEqual(['/landed']);
        expect(managed(offList)).toEqual([[undefined, undefined]]);
      },
    );

    it.each(METADATA_HOSTS)(
      'sends nothing to %s, a cloud metadata host, even under a wildcard list',
      async (host) => {
        const wide = createTestRelay({
          mode: 'HS256',
          propagateTo: ['*', '*.internal', '*.com', '0.0.0.0/0', '::/0'],
        }).relay;
        const uninstall = harness.install(wide as Relay<object>);
        try {
          await wide.run({ sub: 'alice' }, () =>
            harness.get({
              url: `http://${host}:${allowed.port}/metadata`,
              connectTo: allowed.port,
            }),
          );
        } finally {
          uninstall();
        }
        expect(allowed.received('passport')).toEqual([undefined]);
      },
    );

    it("never gives one caller another's passport, however many send at once", async () => {
      const callers = Array.from(
        { length: options.concurrency ?? 40 },
        (_, index) => `user-${index}`,
      );
      await Promise.all(
        callers.map((sub) =>
          relay.run({ sub }, () =>
            harness.get({ url: `${allowed.origin}/concurrent`, headers: { 'x-caller': sub } }),
          ),
        ),
      );
      expect(allowed.requests).toHaveLength(callers.length);
      for (const request of allowed.requests) {
        const passport = relay.verify(String(request.headers.passport));
        expect(passport.sub).toBe(request.headers['x-caller']);
      }
    });

    it('publishes an injected diagnostic that names only the headers it added', async () => {
      const events: unknown[] = [];
      const onInjected = (message: unknown) => events.push(message);
      subscribe(DIAGNOSTICS_CHANNELS.injected, onInjected);
      try {
        await relay.runWith(inbound(), () =>
          harness.get({ url: `${allowed.origin}/diag`, headers: { passport: 'callers-own' } }),
        );
      } finally {
        unsubscribe(DIAGNOSTICS_CHANNELS.injected, onInjected);
      }
      expect(events.length).toBeGreaterThan(0);
      for (const event of events) {
        expect(event).toMatchObject({ headers: ['x-request-id'] });
      }
    });

    it('installs once however often it is installed: one header', async () => {
      uninstalls.push(harness.install(relay as Relay<object>));
      await relay.runWith(inbound(), () => harness.get({ url: `${allowed.origin}/twice` }));
      const [request] = allowed.requests;
      expect(rawHeaderValues(request!.rawHeaders, 'passport')).toEqual([token]);
    });
  });
}
