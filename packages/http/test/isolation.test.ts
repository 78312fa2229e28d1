import {
  createTestRelay,
  type RecordingServer,
  startRecordingServer,
} from '@passport-relay/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installHttpPropagation } from '../src/index.js';
import { CLIENTS } from './clients.js';
import { asCaller, callIndex, headerCount, runBounded } from './helpers.js';

const CALLS = 1_000;
const IN_FLIGHT = 100;

describe.each(CLIENTS)('$name: 1,000 concurrent calls, each as a different user', (client) => {
  const { relay } = createTestRelay({ mode: 'HS256' });
  let server: RecordingServer;
  let uninstall: () => void;

  beforeEach(async () => {
    server = await startRecordingServer();
    uninstall = installHttpPropagation(relay);
  });
  afterEach(async () => {
    uninstall();
    await server.close();
  });

  it('delivers every call with its own caller’s passport, once, and none crossed', async () => {
    const tokens = Array.from({ length: CALLS }, (_, i) => relay.issue({ sub: `user-${i}` }));
    await runBounded(CALLS, IN_FLIGHT, (i) =>
      asCaller(relay, tokens[i]!, () => client.get(`${server.origin}/call/${i}`)),
    );

    expect(server.requests).toHaveLength(CALLS);
    const received = new Set(server.requests.map(callIndex));
    expect(received.size).toBe(CALLS);
    const crossed = server.requests.filter(
      (request) => request.headers.passport !== tokens[callIndex(request)],
    );
    expect(crossed.map((request) => request.url)).toEqual([]);
    expect(server.requests.every((request) => headerCount(request, 'passport') === 1)).toBe(true);
  }, 60_000);
});
