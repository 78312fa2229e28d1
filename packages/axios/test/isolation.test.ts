import {
  createTestRelay,
  installPerTest,
  type RecordedRequest,
  rawHeaderValues,
  recordingServerPerTest,
  runAsCaller,
  runConcurrently,
} from '@passport-relay/testing';
import axios from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installAxiosPropagation } from '../src/index.js';
import { VARIANTS } from './variants.js';

const CALLS = 1_000;
const IN_FLIGHT = 100;
const hooks = { beforeEach, afterEach };
/** The call index a request carries in its path, `/call/<index>`. */
const callIndex = (request: RecordedRequest) =>
  Number(/\/call\/(\d+)/.exec(request.url)?.[1] ?? -1);

// Default instance, a created instance, the fetch adapter (created + fetch is in the leak tests).
describe.each(VARIANTS.slice(0, 3))(
  '$name: 1,000 concurrent calls, each as a different user',
  (variant) => {
    const { relay } = createTestRelay({ mode: 'HS256' });
    const server = recordingServerPerTest(hooks);
    installPerTest(hooks, () => installAxiosPropagation(relay, { axios }));

    it('delivers every call with its own caller’s passport, once, and none crossed', async () => {
      const instance = variant.instance();
      const tokens = Array.from({ length: CALLS }, (_, i) => relay.issue({ sub: `user-${i}` }));
      await runConcurrently(CALLS, IN_FLIGHT, (i) =>
        runAsCaller(relay, { passport: tokens[i]! }, () =>
          instance.get(`${server.origin}/call/${i}`, variant.config),
        ),
      );

      expect(server.requests).toHaveLength(CALLS);
      expect(new Set(server.requests.map(callIndex)).size).toBe(CALLS);
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
  },
);

describe.each([VARIANTS[0]!, VARIANTS[2]!])('$name: redirect hops under concurrency', (variant) => {
  const REDIRECTED_CALLS = 200;
  const { relay } = createTestRelay({ mode: 'HS256' });
  const server = recordingServerPerTest(hooks);
  installPerTest(hooks, () => installAxiosPropagation(relay, { axios }));

  it('gives every hop of every call its own caller’s passport', async () => {
    const instance = variant.instance();
    const tokens = Array.from({ length: REDIRECTED_CALLS }, (_, i) =>
      relay.issue({ sub: `user-${i}` }),
    );
    await runConcurrently(REDIRECTED_CALLS, IN_FLIGHT, (i) =>
      runAsCaller(relay, { passport: tokens[i]! }, () =>
        instance.get(
          `${server.origin}/redirect?to=${encodeURIComponent(`/call/${i}`)}&i=${i}`,
          variant.config,
        ),
      ),
    );

    const landed = server.requests.filter((request) => request.url.startsWith('/call/'));
    expect(landed).toHaveLength(REDIRECTED_CALLS);
    const crossed = landed.filter(
      (request) => request.headers.passport !== tokens[callIndex(request)],
    );
    expect(crossed.map((request) => request.url)).toEqual([]);
    expect(
      landed.every((request) => rawHeaderValues(request.rawHeaders, 'passport').length === 1),
    ).toBe(true);
  }, 60_000);
});
