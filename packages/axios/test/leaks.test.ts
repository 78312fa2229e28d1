import {
  createTestRelay,
  installPerTest,
  loopbackAgent,
  type RecordingServer,
  recordingServerPerTest,
  runAsCaller,
} from '@passport-relay/testing';
import axios from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installAxiosPropagation } from '../src/index.js';
import { loopbackDispatcher } from './helpers.js';
import { VARIANTS } from './variants.js';

const hooks = { beforeEach, afterEach };
/** The managed headers each request received: the passport and the forwarded request id. */
const managedHeaders = (server: RecordingServer) => server.received(['passport', 'x-request-id']);

const redirectTo = (server: RecordingServer, to: string) =>
  `${server.origin}/redirect?to=${encodeURIComponent(to)}`;

describe.each(VARIANTS)('$name: hosts off the list receive nothing', (variant) => {
  // 127.0.0.2 is loopback on Linux too, but not on this relay's list.
  const { relay } = createTestRelay({
    mode: 'HS256',
    propagateTo: ['127.0.0.1'],
    forwardHeaders: ['x-request-id'],
  });
  const token = relay.issue({ sub: 'user-1' });
  const inbound = { passport: token, 'x-request-id': 'req-1' };
  const allowed = recordingServerPerTest(hooks);
  const allowedToo = recordingServerPerTest(hooks);
  const offList = recordingServerPerTest(hooks, { host: '127.0.0.2' });
  installPerTest(hooks, () => installAxiosPropagation(relay, { axios }));

  const get = (url: string, config = {}) =>
    runAsCaller(relay, inbound, () =>
      variant.instance().get(url, { ...variant.config, ...config }),
    );

  it('sends the headers to a listed host and nothing to a host off the list', async () => {
    await get(`${allowed.origin}/direct`);
    await get(`${offList.origin}/direct`);
    expect(managedHeaders(allowed)).toEqual([[token, 'req-1']]);
    expect(managedHeaders(offList)).toEqual([[undefined, undefined]]);
  });

  it('sends nothing to a host off the list that a listed host redirects to', async () => {
    await get(redirectTo(allowed, `${offList.origin}/landed`));
    expect(managedHeaders(allowed)).toEqual([[token, 'req-1']]);
    expect(offList.requests.map((request) => request.url)).toEqual(['/landed']);
    expect(managedHeaders(offList)).toEqual([[undefined, undefined]]);
  });

  it('sends them again to a listed host after a redirect through a host off the list', async () => {
    await get(redirectTo(allowed, redirectTo(offList, `${allowedToo.origin}/back`)));
    expect(managedHeaders(allowed)).toEqual([[token, 'req-1']]);
    expect(managedHeaders(offList)).toEqual([[undefined, undefined]]);
    expect(allowedToo.requests.map((request) => request.url)).toEqual(['/back']);
    expect(managedHeaders(allowedToo)).toEqual([[token, 'req-1']]);
  });

  it('keeps them on a redirect from one listed host to another', async () => {
    await get(redirectTo(allowed, `${allowedToo.origin}/landed`));
    expect(managedHeaders(allowedToo)).toEqual([[token, 'req-1']]);
  });

  it('removes a passport the caller set outside a request from a redirect off the list', async () => {
    const instance = variant.instance();
    await instance.get(redirectTo(allowed, `${offList.origin}/landed`), {
      ...variant.config,
      headers: { passport: 'mine' },
    });
    expect(allowed.received('passport')).toEqual(['mine']);
    expect(offList.requests).toHaveLength(1);
    expect(offList.received('passport')).toEqual([undefined]);
  });

  it('removes a passport the caller set from a redirect to a host off the list', async () => {
    await get(redirectTo(allowed, `${offList.origin}/landed`), { headers: { Passport: 'mine' } });
    expect(allowed.received('passport')).toEqual(['mine']);
    expect(managedHeaders(offList)).toEqual([[undefined, undefined]]);
  });
});

describe.each(VARIANTS)('$name: metadata and link-local hosts never receive it', (variant) => {
  // Everything matches 0.0.0.0/0, yet the metadata addresses must still be refused.
  const { relay } = createTestRelay({ mode: 'HS256', propagateTo: ['0.0.0.0/0', '*'] });
  const token = relay.issue({ sub: 'user-1' });
  const server = recordingServerPerTest(hooks);
  installPerTest(hooks, () => installAxiosPropagation(relay, { axios }));

  it.each(['169.254.169.254', '169.254.170.2', 'metadata.google.internal', '[fd00:ec2::254]'])(
    'withholds it from %s (the connection is diverted to loopback)',
    async (host) => {
      // The connection goes to the loopback server whatever host the URL names.
      const agent = loopbackAgent(server.port);
      const dispatcher = loopbackDispatcher(server.port);
      const transport =
        variant.adapter === 'http' ? { httpAgent: agent } : { fetchOptions: { dispatcher } };
      try {
        await runAsCaller(relay, { passport: token }, async () => {
          const instance = variant.instance();
          const config = { ...variant.config, ...transport };
          await instance.get(`http://127.0.0.1:${server.port}/control`, config);
          await instance.get(`http://${host}:${server.port}/metadata`, config);
        });
      } finally {
        agent.destroy();
        await dispatcher.close();
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
