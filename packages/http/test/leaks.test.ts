import {
  createTestRelay,
  installPerTest,
  loopbackAgent,
  type RecordingServer,
  recordingServerPerTest,
  runAsCaller,
} from '@passport-relay/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installHttpPropagation } from '../src/index.js';
import { CLIENTS } from './clients.js';

const hooks = { beforeEach, afterEach };
/** Every managed header a request received: the passport and the forwarded request id. */
const managedHeaders = (server: RecordingServer) => server.received(['passport', 'x-request-id']);

describe.each(CLIENTS)('$name: hosts off the list receive nothing', (client) => {
  // 127.0.0.2 is loopback on Linux too, but not on this relay's list.
  const { relay } = createTestRelay({
    mode: 'HS256',
    propagateTo: ['127.0.0.1'],
    forwardHeaders: ['x-request-id'],
  });
  const token = relay.issue({ sub: 'user-1' });
  const inbound = { passport: token, 'x-request-id': 'req-1' };
  const allowed = recordingServerPerTest(hooks);
  const offList = recordingServerPerTest(hooks, { host: '127.0.0.2' });
  installPerTest(hooks, () => installHttpPropagation(relay));

  it('sends the passport to a listed host and nothing to a host off the list', async () => {
    await relay.runWith(relay.extract(inbound), async () => {
      await client.get(`${allowed.origin}/direct`);
      await client.get(`${offList.origin}/direct`);
    });
    expect(managedHeaders(allowed)).toEqual([[token, 'req-1']]);
    expect(managedHeaders(offList)).toEqual([[undefined, undefined]]);
  });

  // http.get follows no redirects (following one by hand is a new call, covered above).
  if (!client.followsRedirects) return;

  it('sends nothing to a host off the list that a listed host redirects to', async () => {
    const target = encodeURIComponent(`${offList.origin}/landed`);
    await relay.runWith(relay.extract(inbound), () =>
      client.get(`${allowed.origin}/redirect?to=${target}`),
    );
    expect(managedHeaders(allowed)).toEqual([[token, 'req-1']]);
    expect(offList.requests.map((request) => request.url)).toEqual(['/landed']);
    expect(managedHeaders(offList)).toEqual([[undefined, undefined]]);
  });

  it('sends it again to a listed host after a redirect through a host off the list', async () => {
    const back = encodeURIComponent(`${allowed.origin}/back`);
    const target = encodeURIComponent(`${offList.origin}/redirect?to=${back}`);
    await relay.runWith(relay.extract(inbound), () =>
      client.get(`${allowed.origin}/redirect?to=${target}`),
    );
    expect(offList.requests).toHaveLength(1);
    expect(managedHeaders(offList)).toEqual([[undefined, undefined]]);
    expect(allowed.requests.map((request) => request.url)).toEqual([
      `/redirect?to=${target}`,
      '/back',
    ]);
    expect(managedHeaders(allowed)).toEqual([
      [token, 'req-1'],
      [token, 'req-1'],
    ]);
  });
});

describe.each(CLIENTS)('$name: metadata and link-local hosts never receive it', (client) => {
  // Everything matches 0.0.0.0/0, yet the metadata address must still be refused.
  const { relay } = createTestRelay({ mode: 'HS256', propagateTo: ['0.0.0.0/0', '*'] });
  const token = relay.issue({ sub: 'user-1' });
  const server = recordingServerPerTest(hooks);
  installPerTest(hooks, () => installHttpPropagation(relay));

  it.each(['169.254.169.254', '169.254.170.2', 'metadata.google.internal', '[fd00:ec2::254]'])(
    'withholds it from %s (the connection is diverted to loopback)',
    async (host) => {
      const agent = loopbackAgent(server.port);
      try {
        await runAsCaller(relay, token, async () => {
          await client.get(`http://127.0.0.1:${server.port}/control`, { agent });
          await client.get(`http://${host}:${server.port}/metadata`, { agent });
        });
      } finally {
        agent.destroy();
      }
      expect(relay.allows({ hostname: host })).toBe(false);
      expect(server.requests.map((request) => [request.url, request.headers.passport])).toEqual([
        ['/control', token],
        ['/metadata', undefined],
      ]);
      expect(server.requests[1]?.headers.host).toBe(`${host}:${server.port}`);
    },
  );
});
