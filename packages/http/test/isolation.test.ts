import {
  createTestRelay,
  installPerTest,
  type RecordedRequest,
  rawHeaderValues,
  recordingServerPerTest,
  runAsCaller,
  runConcurrently,
} from '@passport-relay/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installHttpPropagation } from '../src/index.js';
import { CLIENTS } from './clients.js';

const CALLS = 1_000;
const IN_FLIGHT = 100;
const hooks = { beforeEach, afterEach };
/** The call index a request carries in its path, `/call/<index>`. */
const callIndex = (request: RecordedRequest) =>
  Number(/\/call\/(\d+)/.exec(request.url)?.[1] ?? -1);

describe.each(CLIENTS)('$name: 1,000 concurrent calls, each as a different user', (client) => {
  const { relay } = createTestRelay({ mode: 'HS256' });
  const server = recordingServerPerTest(hooks);
  installPerTest(hooks, () => installHttpPropagation(relay));

  it('delivers every call with its own caller’s passport, once, and none crossed', async () => {
    const tokens = Array.from({ length: CALLS }, (_, i) => relay.issue({ sub: `user-${i}` }));
    await runConcurrently(CALLS, IN_FLIGHT, (i) =>
      runAsCaller(relay, tokens[i]!, () => client.get(`${server.origin}/call/${i}`)),
    );

    expect(server.requests).toHaveLength(CALLS);
    const received = new Set(server.requests.map(callIndex));
    expect(received.size).toBe(CALLS);
    const crossed = server.requests.filter(
      (request) => request.headers.passport !== tokens[callIndex(request)],
    );
    expect(crossed.map((request) => request.url)).toEqual([]);
    expect(
      server.requests.every(
        (request) => rawHeaderValues(request.rawHeaders, 'passport').length === 1,
      ),
    ).toBe(true);
  }, 60_000);
});
