import {
  createTestRelay,
  installPerTest,
  type RecordingServer,
  rawHeaderValues,
  recordingServerPerTest,
  runAsCaller,
  startRecordingServer,
} from '@passport-relay/testing';
import axios from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installAxiosPropagation } from '../src/index.js';
import { VARIANTS } from './variants.js';

const { relay } = createTestRelay({ mode: 'HS256', propagateTo: ['127.0.0.1'] });
const token = relay.issue({ sub: 'user-1' });
const hooks = { beforeEach, afterEach };
const server = recordingServerPerTest(hooks);
installPerTest(hooks, () => installAxiosPropagation(relay, { axios }));

describe.each(VARIANTS)('$name: headers the caller set win', (variant) => {
  const get = (url: string, headers: Record<string, string | boolean | null>) =>
    runAsCaller(relay, { passport: token }, () =>
      variant.instance().get(url, { ...variant.config, headers }),
    );

  it('sends the caller’s passport value once, whatever its case', async () => {
    await get(`${server.origin}/x`, { PassPort: 'mine' });
    const [received] = server.requests;
    expect(rawHeaderValues(received!.rawHeaders, 'passport').length).toBe(1);
    expect(received!.headers.passport).toBe('mine');
  });

  it('sends no passport when the caller sets the header to false', async () => {
    await get(`${server.origin}/x`, { passport: false });
    expect(server.requests).toHaveLength(1);
    expect(rawHeaderValues(server.requests[0]!.rawHeaders, 'passport').length).toBe(0);
  });

  it('keeps the caller’s other headers and adds the passport', async () => {
    await get(`${server.origin}/x`, { 'x-a': '1' });
    expect(server.requests.map((r) => [r.headers['x-a'], r.headers.passport])).toEqual([
      ['1', token],
    ]);
  });
});

describe('the destination is the final URL', () => {
  const offListOrigin = (server: RecordingServer) => `http://127.0.0.2:${server.port}`;

  it('adds the passport for baseURL + a relative url on a listed host', async () => {
    const api = axios.create({ baseURL: `${server.origin}/api` });
    await runAsCaller(relay, { passport: token }, () => api.get('/orders'));
    expect(server.requests.map((r) => [r.url, r.headers.passport])).toEqual([
      ['/api/orders', token],
    ]);
  });

  it('decides on an absolute url that replaces a listed baseURL', async () => {
    const offList = await startRecordingServer({ host: '127.0.0.2' });
    try {
      const api = axios.create({ baseURL: server.origin });
      await runAsCaller(relay, { passport: token }, () => api.get(`${offListOrigin(offList)}/x`));
      expect(server.requests).toHaveLength(0);
      expect(offList.received('passport')).toEqual([undefined]);
    } finally {
      await offList.close();
    }
  });

  it('decides on baseURL when an interceptor added after the install sets it', async () => {
    const offList = await startRecordingServer({ host: '127.0.0.2' });
    try {
      const api = axios.create();
      api.interceptors.request.use((config) => {
        config.baseURL = offListOrigin(offList);
        return config;
      });
      await runAsCaller(relay, { passport: token }, () => api.get('/x'));
      expect(offList.requests).toHaveLength(1);
      expect(offList.received('passport')).toEqual([undefined]);
    } finally {
      await offList.close();
    }
  });
});

describe('a beforeRedirect hook of the caller', () => {
  it('still runs, after the relay’s, on every redirect hop', async () => {
    const hops: string[] = [];
    const redirect = `${server.origin}/redirect?to=${encodeURIComponent('/landed')}`;
    await runAsCaller(relay, { passport: token }, () =>
      axios.get(redirect, {
        beforeRedirect: (options) => {
          hops.push(
            `${options.path} ${(options.headers as Record<string, string>).passport === token}`,
          );
        },
      }),
    );
    expect(hops).toEqual(['/landed true']);
    expect(server.received('passport')).toEqual([token, token]);
  });
});
