import { Agent } from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import {
  createTestRelay,
  type RecordingServer,
  runConcurrently,
  startRecordingServer,
} from '@passport-relay/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { send } from './support/client.js';
import { appTracker, PLATFORMS } from './support/platforms.js';
import { probeApp, type Sightings } from './support/probe-app.js';

const CALLERS = 2_000;
/** Requests without a passport, interleaved with the others: nothing may leak into them. */
const ANONYMOUS_EVERY = 10;
const IN_FLIGHT = 100;

const apps = appTracker();
let recorder: RecordingServer | undefined;
afterEach(async () => {
  await apps.closeAll();
  await recorder?.close();
  recorder = undefined;
});

describe.each(PLATFORMS)('isolation on %s', (platform) => {
  it(`${CALLERS} concurrent callers each see only their own passport, in every layer and on the outbound call`, async () => {
    const { relay } = createTestRelay({ mode: 'HS256' });
    recorder = await startRecordingServer();
    const { origin } = await apps.start(
      platform,
      probeApp({ relay }, { outboundOrigin: recorder.origin }).module,
    );
    const total = CALLERS + Math.floor(CALLERS / (ANONYMOUS_EVERY - 1));
    const callerOf = (index: number) =>
      index % ANONYMOUS_EVERY === ANONYMOUS_EVERY - 1 ? null : `user-${index}`;
    const tokens = Array.from({ length: total }, (_, index) => {
      const sub = callerOf(index);
      return sub === null ? undefined : relay.issue({ sub, tenant: `tenant-${index}` });
    });
    const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });

    const crossed: string[] = [];
    try {
      await runConcurrently(total, IN_FLIGHT, async (index) => {
        const reply = await send(`${origin}/probe`, {
          method: 'POST',
          agent,
          headers: { passport: tokens[index] },
          body: { id: index },
          // One request in eight streams its body slowly, so parsing interleaves with others.
          ...(index % 8 === 0 ? { slowBodyMs: 5 } : {}),
        });
        const caller = callerOf(index);
        const expected: Sightings = {
          guard: caller,
          interceptorBefore: caller,
          interceptorAfter: caller,
          controller: caller,
          decorator: caller,
          tenant: caller === null ? null : `tenant-${index}`,
          service: caller,
          passportService: caller,
          cls: caller,
          id: index,
          outbound: caller,
        };
        if (reply.status !== 201 || !isDeepStrictEqual(reply.json(), expected)) {
          crossed.push(`#${index}: ${reply.status} ${reply.text}`);
        }
      });
    } finally {
      agent.destroy();
    }

    expect(crossed).toEqual([]);
    const outbound = recorder.requests.map((request) => {
      const value = request.headers.passport;
      return {
        index: Number(request.headers['x-probe-id']),
        caller: typeof value === 'string' ? relay.verify(value).sub : null,
      };
    });
    expect(outbound).toHaveLength(total);
    expect(outbound.filter(({ index, caller }) => caller !== callerOf(index))).toEqual([]);
  }, 120_000);
});
