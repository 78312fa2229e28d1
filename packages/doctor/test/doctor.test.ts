import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import http from 'node:http';
import { installHttpPropagation } from '@passport-relay/http';
import {
  createTestRelay,
  type RecordingServer,
  startRecordingServer,
} from '@passport-relay/testing';
import { installGlobalFetchPropagation, passportInterceptor } from '@passport-relay/undici';
import { Agent, request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  expectEveryCallDecided,
  installPropagationDoctor,
  type PropagationDoctor,
  UNDECIDED_CHANNEL,
  type UndecidedRequest,
  WATCHED_CLIENTS,
} from '../src/index.js';

// Node announces node:http requests where a decision can be matched only from 22.14 on
// (http.client.request.created); before that the doctor watches undici alone.
const watchesHttp = WATCHED_CLIENTS.includes('node:http');

/** A GET through npm undici's global dispatcher, which no test here hooks: an unhooked client. */
async function unhookedGet(url: string): Promise<number> {
  const response = await request(url);
  await response.body.dump();
  return response.statusCode;
}
const { relay } = createTestRelay({ propagateTo: ['127.0.0.1'] });

/** `http.get` to `url`, resolved when the response has been read. */
function httpGet(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

describe('the propagation doctor', () => {
  let recorder: RecordingServer;
  let doctor: PropagationDoctor;
  const uninstalls: (() => void)[] = [];

  beforeEach(async () => {
    recorder = await startRecordingServer();
    doctor = installPropagationDoctor(relay);
  });
  afterEach(async () => {
    doctor.uninstall();
    for (const uninstall of uninstalls.splice(0)) uninstall();
    await recorder.close();
  });

  describe('stays silent when every client is hooked', () => {
    beforeEach(() => {
      uninstalls.push(installHttpPropagation(relay), installGlobalFetchPropagation(relay));
    });

    it('http.get, fetch and an undici Agent with the interceptor, to allowed and other hosts', async () => {
      const local = recorder.origin.replace('127.0.0.1', 'localhost'); // loopback, off the list
      const agent = new Agent().compose(passportInterceptor(relay));
      try {
        await relay.run({ sub: 'alice' }, async () => {
          await httpGet(`${recorder.origin}/http`);
          await httpGet(`${local}/http-withheld`);
          await (await fetch(`${recorder.origin}/fetch`)).text();
          await (await fetch(`${local}/fetch-withheld`)).text();
          await (await request(`${recorder.origin}/agent`, { dispatcher: agent })).body.dump();
        });
      } finally {
        await agent.close();
      }

      expect(doctor.undecided).toEqual([]);
      // Two node:http requests, counted where Node lets the doctor watch them.
      expect(doctor.counts).toEqual({ decided: watchesHttp ? 5 : 3, undecided: 0 });
      expect(() => doctor.assertEveryCallDecided()).not.toThrow();
      const carried = recorder.requests.map((r) => [r.url, r.headers.passport !== undefined]);
      expect(carried).toEqual([
        ['/http', true],
        ['/http-withheld', false],
        ['/fetch', true],
        ['/fetch-withheld', false],
        ['/agent', true],
      ]);
    });

    // Node 20 announces a node:http request only when it is ended (http.client.request.start);
    // Node >= 22.14 announces it at creation (http.client.request.created), in the hook's stack.
    it.skipIf(!watchesHttp)('an http.request ended in a later tick (Node >= 22.14)', async () => {
      await relay.run({ sub: 'alice' }, async () => {
        const sent = http.request(`${recorder.origin}/later`, { method: 'POST' });
        const answered = new Promise<void>((resolve, reject) => {
          sent.on('response', (response) => response.resume().on('end', resolve));
          sent.on('error', reject);
        });
        await new Promise((resolve) => setTimeout(resolve, 5));
        sent.end('body');
        await answered;
      });
      expect(doctor.counts).toEqual({ decided: 1, undecided: 0 });
    });

    it('a passport header the caller set explicitly is still a decision (the caller wins)', async () => {
      const own = relay.issue({ sub: 'explicit' });
      await relay.run({ sub: 'alice' }, async () => {
        await (await fetch(`${recorder.origin}/explicit`, { headers: { passport: own } })).text();
      });
      expect(doctor.undecided).toEqual([]);
      expect(doctor.counts).toEqual({ decided: 1, undecided: 0 });
      expect(recorder.requests[0]?.headers.passport).toBe(own);
    });

    it('requests made with no passport in context are not its business', async () => {
      await httpGet(`${recorder.origin}/anonymous`);
      await relay.run(undefined, () => fetch(`${recorder.origin}/anonymous`).then((r) => r.text()));
      expect(doctor.counts).toEqual({ decided: 0, undecided: 0 });
    });
  });

  describe('finds the clients nobody hooked', () => {
    it.skipIf(!watchesHttp)(
      'http.get after the http hook was uninstalled (Node >= 22.14)',
      async () => {
        installHttpPropagation(relay)();
        await relay.run({ sub: 'alice' }, () => httpGet(`${recorder.origin}/orders?secret=1`));

        expect(doctor.counts).toEqual({ decided: 0, undecided: 1 });
        expect(doctor.undecided).toEqual([
          { client: 'node:http', method: 'GET', origin: recorder.origin, path: '/orders' },
        ]);
        expect(() => doctor.assertEveryCallDecided()).toThrowError(
          new RegExp(`GET ${recorder.origin}/orders \\(node:http\\)`),
        );
      },
    );

    it('a second copy of undici (npm undici with its own dispatcher) while fetch is hooked', async () => {
      uninstalls.push(installGlobalFetchPropagation(relay));
      const secondCopy = new Agent();
      try {
        await relay.run({ sub: 'alice' }, async () => {
          await (await fetch(`${recorder.origin}/hooked`)).text();
          await (
            await request(`${recorder.origin}/unhooked`, { dispatcher: secondCopy })
          ).body.dump();
        });
      } finally {
        await secondCopy.close();
      }

      expect(doctor.counts).toEqual({ decided: 1, undecided: 1 });
      expect(doctor.undecided).toMatchObject([{ client: 'undici', path: '/unhooked' }]);
      expect(
        recorder.requests.find((r) => r.url === '/unhooked')?.headers.passport,
      ).toBeUndefined();
    });

    it.skipIf(!watchesHttp)(
      'a passport forwarded by hand, with no hook (Node >= 22.14)',
      async () => {
        await relay.run({ sub: 'alice' }, () =>
          httpGet(`${recorder.origin}/by-hand`, { passport: relay.issue({ sub: 'alice' }) }),
        );
        expect(doctor.counts.undecided).toBe(1);
      },
    );

    it('publishes each finding on its channel, and warns once per origin when asked', async () => {
      doctor.uninstall();
      const warnings: Error[] = [];
      const onWarning = (warning: Error) => warnings.push(warning);
      process.on('warning', onWarning);
      const published: UndecidedRequest[] = [];
      const onFinding = (finding: unknown) => published.push(finding as UndecidedRequest);
      subscribe(UNDECIDED_CHANNEL, onFinding);
      doctor = installPropagationDoctor(relay, { warn: true });
      try {
        await relay.run({ sub: 'alice' }, async () => {
          await unhookedGet(`${recorder.origin}/a`);
          await unhookedGet(`${recorder.origin}/b`);
        });
        await new Promise((resolve) => setImmediate(resolve));
      } finally {
        process.off('warning', onWarning);
        unsubscribe(UNDECIDED_CHANNEL, onFinding);
      }

      expect(published.map((finding) => finding.path)).toEqual(['/a', '/b']);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ code: 'PASSPORT_RELAY_UNDECIDED' });
      expect(warnings[0]!.message).toContain(`GET ${recorder.origin}/a (undici)`);
    });

    it('reset() forgets, and a warn function receives every finding', async () => {
      doctor.uninstall();
      const received: UndecidedRequest[] = [];
      doctor = installPropagationDoctor(relay, { warn: (finding) => received.push(finding) });
      await relay.run({ sub: 'alice' }, () => unhookedGet(`${recorder.origin}/x`));
      expect(received).toHaveLength(1);
      doctor.reset();
      expect(doctor.counts).toEqual({ decided: 0, undecided: 0 });
      expect(() => doctor.assertEveryCallDecided()).not.toThrow();
    });

    it('uninstall() stops watching', async () => {
      doctor.uninstall();
      doctor.uninstall();
      await relay.run({ sub: 'alice' }, () => unhookedGet(`${recorder.origin}/x`));
      expect(doctor.counts).toEqual({ decided: 0, undecided: 0 });
    });
  });
});

describe('expectEveryCallDecided, for a team test suite', () => {
  let recorder: RecordingServer;
  beforeEach(async () => {
    recorder = await startRecordingServer();
  });
  afterEach(() => recorder.close());

  it('resolves with the flow result when every call was decided', async () => {
    const uninstall = installGlobalFetchPropagation(relay);
    try {
      await expect(
        expectEveryCallDecided(relay, () =>
          relay.run({ sub: 'alice' }, async () => (await fetch(`${recorder.origin}/ok`)).status),
        ),
      ).resolves.toBe(200);
    } finally {
      uninstall();
    }
  });

  it('rejects, naming the request, when one was not', async () => {
    await expect(
      expectEveryCallDecided(relay, () =>
        relay.run({ sub: 'alice' }, () => unhookedGet(`${recorder.origin}/missed`)),
      ),
    ).rejects.toThrowError(/1 outbound request\(s\).*\n.*\/missed \(undici\)/);
  });
});

describe('options are checked at install', () => {
  it.each([
    ['no relay', undefined, {}, /createRelay/],
    ['an unknown option', relay, { warning: true }, /unknown option "warning"/],
    ['a bad warn', relay, { warn: 'yes' }, /"warn" must be/],
    ['a bad keep', relay, { keep: -1 }, /"keep" must be/],
  ])('%s', (_name, candidate, options, message) => {
    expect(() =>
      installPropagationDoctor(candidate as typeof relay, options as never),
    ).toThrowError(message);
  });
});
