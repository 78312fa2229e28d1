import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { DIAGNOSTICS_CHANNELS, type Relay } from '@passport-relay/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forgedPassports } from '../forged-passports.js';
import { SERVER_FAILURE_SUB, schemaFailingFor } from '../server-side-failure.js';
import { slowJsonBody } from '../slow-json-body.js';
import { createTestRelay } from '../test-relay.js';
import { send } from './send.js';

/** A plain Node handler: what the suite asks the adapter to run behind it, on every path. */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** What {@link InboundAdapterHarness.start} is given. */
export interface InboundSetup {
  /** The relay to install the adapter with. */
  readonly relay: Relay<object>;
  /**
   * Whether a request to `path` (the URL path, without the query) must carry a passport: pass it
   * to the adapter's own `required` option, as a predicate or however the adapter expresses it.
   */
  readonly required: (path: string) => boolean;
  /**
   * The suite's handler. Mount it for every method and path, behind the adapter, so that it
   * reads the raw request body itself (no body parser in between) and writes the raw response.
   */
  readonly handler: NodeHandler;
}

/** A started server: its origin (`http://127.0.0.1:port`) and how to stop it. */
export interface StartedServer {
  readonly origin: string;
  close(): Promise<unknown>;
}

/**
 * How the inbound suite drives one adapter: start a real server on loopback with the adapter
 * installed. Everything else (clients, passports, forgeries, assertions) is the suite's.
 *
 * @example
 * ```ts
 * const harness: InboundAdapterHarness = {
 *   async start({ relay, required, handler }) {
 *     const app = express();
 *     app.use(passportRelay(relay, { required: (req) => required(req.path) }));
 *     app.use(handler);
 *     return listenOnLoopback(app);
 *   },
 * };
 * ```
 */
export interface InboundAdapterHarness {
  start(setup: InboundSetup): Promise<StartedServer>;
}

/** Paths the suite's handler serves, and what each answers. */
export const CONFORMANCE_PATHS = Object.freeze({
  /** `{ sub, afterAwait, inTimer }`: the passport now, after an await, inside a timer. */
  whoAmI: '/who-am-i',
  /** Reads the body by hand: `{ sub, inListeners }`, what each `data`/`end` listener saw. */
  upload: '/upload',
  /** Open even when the others require a passport. */
  open: '/open',
});

function conformanceHandler(relay: Relay<object>, runs: { count: number }): NodeHandler {
  return (req, res) => {
    runs.count++;
    const sub = () => relay.current()?.sub ?? null;
    const reply = (body: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === CONFORMANCE_PATHS.upload) {
      const inListeners: (string | null)[] = [];
      req.on('data', () => inListeners.push(sub()));
      req.on('end', () => {
        inListeners.push(sub());
        reply({ sub: sub(), inListeners });
      });
      return;
    }
    void (async () => {
      const first = sub();
      await sleep(1);
      const afterAwait = sub();
      const inTimer = await new Promise((resolve) => setTimeout(() => resolve(sub()), 1));
      reply({ sub: first, afterAwait, inTimer });
    })();
  };
}

/** Request headers, as the suite sends them. */
export type CallerHeaders = Readonly<Record<string, string>>;

/**
 * How a caller presents itself to an adapter that takes another credential than the passport
 * header: an edge that verifies the user's token (a Bearer token) and mints the passport from it.
 * Such an adapter never takes a client-supplied passport header: the suite checks that every
 * forged passport, and a genuine one, counts for nothing there.
 *
 * @example
 * ```ts
 * const caller: CallerCredential = {
 *   headers: async (sub) => ({ authorization: `Bearer ${await idp.token({ sub })}` }),
 *   invalid: { authorization: 'Bearer x.y.z' },
 * };
 * ```
 */
export interface CallerCredential {
  /** The headers of a caller whose passport will have this `sub`. */
  headers(sub: string): CallerHeaders | Promise<CallerHeaders>;
  /** The headers of a credential the adapter must refuse (401, `refused` published). */
  readonly invalid: CallerHeaders;
}

/** Options of {@link describeInboundAdapter}. */
export interface InboundSuiteOptions {
  /**
   * How a caller presents itself when the adapter takes another credential than the passport.
   * @default the passport header, issued by the suite's relay
   */
  readonly caller?: CallerCredential;
  /**
   * Whether the adapter keeps the passport in listeners of the request stream (`req.on('data')`):
   * `false` only for adapters that cannot reach the raw request.
   * @default true
   */
  readonly bodyListeners?: boolean;
}

/**
 * The conformance suite every inbound adapter passes (vitest): context across awaits, timers and
 * body listeners; anonymous callers; the `required` predicate; every forged passport refused with
 * its status and code before the handler runs, the server serving on; no passport carried into
 * the next request on a keep-alive socket; concurrent callers on pooled connections kept apart; a
 * server-side failure answered without its detail; diagnostics published.
 *
 * Call it at the top level of a test file; it declares its own `describe` block.
 *
 * @param name The adapter's name, for the test titles.
 * @param harness How to start a server with the adapter.
 * @example
 * ```ts
 * import { describeInboundAdapter } from '@passport-relay/testing/conformance';
 *
 * describeInboundAdapter('express', {
 *   async start({ relay, required, handler }) {
 *     const app = express();
 *     app.use(passportRelay(relay, { required: (req) => required(req.path) }));
 *     app.use(handler);
 *     return listenOnLoopback(app);
 *   },
 * });
 * ```
 */
export function describeInboundAdapter(
  name: string,
  harness: InboundAdapterHarness,
  options: InboundSuiteOptions = {},
): void {
  describe(`${name} passes the inbound adapter conformance suite`, () => {
    const test = createTestRelay({ mode: 'HS256' });
    const { relay } = test;
    const runs = { count: 0 };
    let server: StartedServer;
    const open: string = CONFORMANCE_PATHS.open;
    beforeAll(async () => {
      server = await harness.start({
        relay: relay as Relay<object>,
        required: (path) => path !== open,
        handler: conformanceHandler(relay as Relay<object>, runs),
      });
    });
    afterAll(() => server?.close());
    const url = (path: string) => `${server.origin}${path}`;
    const caller = options.caller;
    const as = async (sub: string): Promise<CallerHeaders> =>
      caller === undefined ? { passport: relay.issue({ sub }) } : await caller.headers(sub);

    it('makes the passport current in the handler, after an await and inside a timer', async () => {
      const reply = await send(url(CONFORMANCE_PATHS.whoAmI), { headers: await as('alice') });
      expect(reply.status).toBe(200);
      expect(reply.json).toEqual({ sub: 'alice', afterAwait: 'alice', inTimer: 'alice' });
    });

    it.skipIf(options.bodyListeners === false)(
      'keeps the passport in listeners of a slowly streamed request body',
      async () => {
        const reply = await send(url(CONFORMANCE_PATHS.upload), {
          method: 'POST',
          headers: { ...(await as('alice')), 'content-type': 'application/octet-stream' },
          body: slowJsonBody({ file: 'z'.repeat(300) }, { parts: 4 }),
        });
        expect(reply.status).toBe(200);
        const body = reply.json as { sub: string; inListeners: string[] };
        expect(body.sub).toBe('alice');
        expect(body.inListeners.length).toBeGreaterThan(1);
        expect(new Set(body.inListeners)).toEqual(new Set(['alice']));
      },
    );

    it('serves an open route without a passport, anonymously', async () => {
      const reply = await send(url(CONFORMANCE_PATHS.open));
      expect(reply.status).toBe(200);
      expect(reply.json).toEqual({ sub: null, afterAwait: null, inTimer: null });
    });

    it('refuses a request without a passport where the required predicate says so', async () => {
      const before = runs.count;
      const reply = await send(url(CONFORMANCE_PATHS.whoAmI));
      expect(reply.status).toBe(401);
      expect(reply.headers['content-type']).toBe('application/problem+json');
      expect(reply.json).toMatchObject({ code: 'ERR_PASSPORT_MISSING' });
      expect(runs.count).toBe(before);
    });

    if (caller === undefined) {
      it.each(forgedPassports(test))(
        'refuses $name with $status $code, the handler never runs, and the server serves on',
        async ({ code, status, headers, tokens }) => {
          const before = runs.count;
          const reply = await send(url(CONFORMANCE_PATHS.whoAmI), { headers });
          expect(reply.status).toBe(status);
          expect(reply.headers['content-type']).toBe('application/problem+json');
          expect(reply.json).toMatchObject({ code, status });
          if (status === 401) expect(reply.headers['www-authenticate']).toContain(code);
          for (const token of tokens) {
            for (const part of token.split('.').filter((segment) => segment.length >= 8)) {
              expect(reply.text).not.toContain(part);
            }
          }
          expect(runs.count).toBe(before);
          const next = await send(url(CONFORMANCE_PATHS.whoAmI), { headers: await as('after') });
          expect(next.json).toMatchObject({ sub: 'after' });
        },
      );
    } else {
      // An edge strips client-supplied passports: forged or genuine, they count for nothing.
      it.each([
        ...forgedPassports(test),
        { name: 'a genuine passport', headers: ['passport', relay.issue({ sub: 'mallory' })] },
      ])(
        'takes no client-supplied passport ($name): alone it is refused as missing, beside a credential the credential decides',
        async ({ headers }) => {
          const before = runs.count;
          const alone = await send(url(CONFORMANCE_PATHS.whoAmI), { headers });
          expect(alone.status).toBe(401);
          expect(alone.json).toMatchObject({ code: 'ERR_PASSPORT_MISSING' });
          expect(runs.count).toBe(before);
          const beside = await send(url(CONFORMANCE_PATHS.whoAmI), {
            headers: [...headers, ...Object.entries(await as('credential-holder')).flat()],
          });
          expect(beside.json).toMatchObject({ sub: 'credential-holder' });
        },
      );
    }

    it('carries no passport into the next request on the same keep-alive socket', async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const first = await send(url(CONFORMANCE_PATHS.whoAmI), {
          headers: await as('alice'),
          agent,
        });
        const second = await send(url(CONFORMANCE_PATHS.open), { agent });
        expect(first.json).toMatchObject({ sub: 'alice' });
        expect(second.json).toEqual({ sub: null, afterAwait: null, inTimer: null });
      } finally {
        agent.destroy();
      }
    });

    it('keeps concurrent callers on pooled keep-alive connections apart', async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 4 });
      try {
        const subs = Array.from({ length: 60 }, (_, index) => `user-${index}`);
        const replies = await Promise.all(
          subs.map(async (sub) =>
            send(url(CONFORMANCE_PATHS.whoAmI), { headers: await as(sub), agent }),
          ),
        );
        expect(replies.map((reply) => reply.json)).toEqual(
          subs.map((sub) => ({ sub, afterAwait: sub, inTimer: sub })),
        );
      } finally {
        agent.destroy();
      }
    });

    it('publishes accepted and refused diagnostics, without the token', async () => {
      const events: [string, unknown][] = [];
      const onAccepted = (message: unknown) => events.push(['accepted', message]);
      const onRefused = (message: unknown) => events.push(['refused', message]);
      subscribe(DIAGNOSTICS_CHANNELS.accepted, onAccepted);
      subscribe(DIAGNOSTICS_CHANNELS.refused, onRefused);
      try {
        const good = await as('diag');
        await send(url(CONFORMANCE_PATHS.whoAmI), { headers: good });
        await send(url(CONFORMANCE_PATHS.whoAmI), {
          headers: caller?.invalid ?? { passport: 'x.y.z' },
        });
        expect(events.map(([kind]) => kind)).toEqual(['accepted', 'refused']);
        for (const value of Object.values(good)) {
          expect(JSON.stringify(events)).not.toContain(value.replace(/^Bearer /, ''));
        }
      } finally {
        unsubscribe(DIAGNOSTICS_CHANNELS.accepted, onAccepted);
        unsubscribe(DIAGNOSTICS_CHANNELS.refused, onRefused);
      }
    });

    describe('a server-side failure', () => {
      const failing = createTestRelay({ mode: 'HS256', schema: schemaFailingFor() }).relay;
      const failingRuns = { count: 0 };
      let failingServer: StartedServer;
      beforeAll(async () => {
        failingServer = await harness.start({
          relay: failing as Relay<object>,
          required: () => false,
          handler: conformanceHandler(failing as Relay<object>, failingRuns),
        });
      });
      afterAll(() => failingServer?.close());

      it('is answered 500 with a generic detail, never the configuration, before the handler', async () => {
        const reply = await send(`${failingServer.origin}${CONFORMANCE_PATHS.whoAmI}`, {
          headers:
            caller === undefined
              ? { passport: failing.issue({ sub: SERVER_FAILURE_SUB }) }
              : await caller.headers(SERVER_FAILURE_SUB),
        });
        expect(reply.status).toBe(500);
        // The relay refuses its own configuration; an edge that mints says it cannot issue.
        expect(reply.json).toMatchObject({
          code: expect.stringMatching(/^ERR_PASSPORT_(OPTIONS|CANNOT_ISSUE)$/),
          status: 500,
        });
        expect(reply.text).not.toMatch(/schema|asynchronous/i);
        expect(failingRuns.count).toBe(0);
      });
    });
  });
}
