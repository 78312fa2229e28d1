import {
  createTestRelay,
  type RecordingServer,
  startRecordingServer,
} from '@passport-relay/testing';
import axios from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installAxiosPropagation } from '../src/index.js';
import { asCaller, callIndex, headerCount, runBounded } from './helpers.js';
import { VARIANTS } from './variants.js';

const CALLS = 1_000;
const IN_FLIGHT = 100;

// Default instance, a created instance, the fetch adapter (created + fetch is in the leak tests).
describe.each(VARIANTS.slice(0, 3))(
  '$name: 1,000 concurrent calls, each as a different user',
  (variant) => {
    const { relay } = createTestRelay({ mode: 'HS256' });
    let server: RecordingServer;
    let uninstall: () => void;

    beforeEach(async () => {
      server = await startRecordingServer();
      uninstall = installAxiosPropagation(relay, { axios });
    });
    afterEach(async () => {
      uninstall();
      await server.close();
    });

    it('delivers every call with its own caller’s passport, once, and none crossed', async () => {
      const instance = variant.instance();
      const tokens = Array.from({ length: CALLS }, (_, i) => relay.issue({ sub: `user-${i}` }));
      await runBounded(CALLS, IN_FLIGHT, (i) =>
        asCaller(relay, { passport: tokens[i]! }, () =>
          instance.get(`${server.origin}/call/${i}`, variant.config),
        ),
      );

      expect(server.requests).toHaveLength(CALLS);
      expect(new Set(server.requests.map(callIndex)).size).toBe(CALLS);
      const crossed = server.requests.filter(
        (request) => request.headers.passport !== tokens[callIndex(request)],
      );
      expect(crossed.map((request) => request.url)).toEqual([]);
      expect(server.requests.every((request) => headerCount(request, 'passport') === 1)).toBe(true);
    }, 60_000);
  },
);

describe.each([VARIANTS[0]!, VARIANTS[2]!])('$name: redirect hops under concurrency', (variant) => {
  const REDIRECTED_CALLS = 200;
  const { relay } = createTestRelay({ mode: 'HS256' });
  let server: RecordingServer;
  let uninstall: () => void;

  beforeEach(async () => {
    server = await startRecordingServer();
    uninstall = installAxiosPropagation(relay, { axios });
  });
  afterEach(async () => {
    uninstall();
    await server.close();
  });

  it('gives every hop of every call its own caller’s passport', async () => {
    const instance = variant.instance();
    const tokens = Array.from({ length: REDIRECTED_CALLS }, (_, i) =>
      relay.issue({ sub: `user-${i}` }),
    );
    await runBounded(REDIRECTED_CALLS, IN_FLIGHT, (i) =>
      asCaller(relay, { passport: tokens[i]! }, () =>
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
    expect(landed.every((request) => headerCount(request, 'passport') === 1)).toBe(true);
  }, 60_000);
});
