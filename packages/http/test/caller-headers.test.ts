import http from 'node:http';
import {
  createTestRelay,
  installPerTest,
  rawHeaderValues,
  recordingServerPerTest,
  runAsCaller,
  startRecordingServer,
} from '@passport-relay/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installHttpPropagation } from '../src/index.js';
import { CLIENTS } from './clients.js';
import { bodyOf } from './helpers.js';

const { relay } = createTestRelay({ mode: 'HS256', propagateTo: ['127.0.0.1'] });
const token = relay.issue({ sub: 'user-1' });
const hooks = { beforeEach, afterEach };
const server = recordingServerPerTest(hooks);
installPerTest(hooks, () => installHttpPropagation(relay));

function request(...args: unknown[]): Promise<string> {
  const req = (http.request as (...a: unknown[]) => http.ClientRequest)(...args);
  req.end();
  return bodyOf(req);
}

describe.each(CLIENTS)('$name: a passport header the caller set wins', (client) => {
  it('sends the caller’s value once, whatever its case', async () => {
    await runAsCaller(relay, token, () =>
      client.get(`${server.origin}/x`, { headers: { PassPort: 'mine' } }),
    );
    const [received] = server.requests;
    expect(rawHeaderValues(received!.rawHeaders, 'passport').length).toBe(1);
    expect(received!.headers.passport).toBe('mine');
  });
});

// With array headers Node adds no Host header of its own, and the server requires one.
describe('headers given as arrays', () => {
  it.each([
    ['flat', ['Host', 'x', 'Passport', 'mine']],
    [
      'pairs',
      [
        ['Host', 'x'],
        ['Passport', 'mine'],
      ],
    ],
  ])('keeps the caller’s passport in %s form and sends it once', async (_, headers) => {
    await runAsCaller(relay, token, () => request(`${server.origin}/x`, { headers }));
    expect(rawHeaderValues(server.requests[0]!.rawHeaders, 'passport').length).toBe(1);
    expect(server.received('passport')).toEqual(['mine']);
  });

  it.each([
    ['flat', ['Host', 'x', 'x-a', '1']],
    [
      'pairs',
      [
        ['Host', 'x'],
        ['x-a', '1'],
      ],
    ],
  ])('adds the passport to %s headers in the same form', async (_, headers) => {
    await runAsCaller(relay, token, () => request(`${server.origin}/x`, { headers }));
    expect(server.requests.map((r) => [r.headers['x-a'], r.headers.passport])).toEqual([
      ['1', token],
    ]);
  });
});

describe('the caller’s objects', () => {
  it('are never changed: frozen options and headers work and stay as they were', async () => {
    const headers = Object.freeze({ 'x-a': '1' });
    const options = Object.freeze({
      hostname: '127.0.0.1',
      port: server.port,
      path: '/x',
      headers,
    });
    await runAsCaller(relay, token, () => bodyOf(http.get(options)));
    expect(server.received('passport')).toEqual([token]);
    expect(options).toEqual({
      hostname: '127.0.0.1',
      port: server.port,
      path: '/x',
      headers: { 'x-a': '1' },
    });
    expect(headers).toEqual({ 'x-a': '1' });
  });

  it('are not reused for the next call: options sent twice get a fresh decision each time', async () => {
    const offList = await startRecordingServer({ host: '127.0.0.2' });
    try {
      const options: http.RequestOptions = { port: server.port, path: '/x', headers: {} };
      await runAsCaller(relay, token, async () => {
        await bodyOf(http.get({ ...options, hostname: '127.0.0.1' }));
        options.port = offList.port;
        await bodyOf(http.get(Object.assign(options, { hostname: '127.0.0.2' })));
      });
      expect(options.headers).toEqual({});
      expect(server.received('passport')).toEqual([token]);
      expect(offList.received('passport')).toEqual([undefined]);
    } finally {
      await offList.close();
    }
  });
});

describe('a host off the list', () => {
  const offList = recordingServerPerTest(hooks, { host: '127.0.0.2' });

  it('never gets the relay’s own value, even set with setHeader after the request is made', async () => {
    // What superagent does on a redirect: copy the previous request's headers onto the next one.
    await runAsCaller(relay, token, () => {
      const req = http.request(`${offList.origin}/x`);
      req.setHeader('Passport', token);
      req.end();
      return bodyOf(req);
    });
    expect(offList.received('passport')).toEqual([undefined]);
  });

  it('gets a passport value the caller chose, which is not the relay’s', async () => {
    await runAsCaller(relay, token, () =>
      request(`${offList.origin}/x`, { headers: { passport: 'partner-token' } }),
    );
    expect(offList.received('passport')).toEqual(['partner-token']);
  });
});
