import http from 'node:http';
import {
  createTestRelay,
  installPerTest,
  type RecordingServer,
  recordingServerPerTest,
  runAsCaller,
  startRecordingServer,
} from '@passport-relay/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installHttpPropagation } from '../src/index.js';
import { bodyOf } from './helpers.js';

type Send = (...args: unknown[]) => http.ClientRequest;

interface Signature {
  readonly shape: string;
  readonly callsBack: boolean;
  readonly call: (send: Send, server: RecordingServer, done: () => void) => http.ClientRequest;
}

/** Every way Node accepts `request`/`get` arguments, each sending to `/call`. */
const SIGNATURES: readonly Signature[] = [
  { shape: '(url)', callsBack: false, call: (send, s) => send(`${s.origin}/call`) },
  {
    shape: '(url, callback)',
    callsBack: true,
    call: (send, s, done) => send(`${s.origin}/call`, done),
  },
  {
    shape: '(url, options)',
    callsBack: false,
    call: (send, s) => send(`${s.origin}/call`, { headers: { 'x-a': '1' } }),
  },
  {
    shape: '(url, options, callback)',
    callsBack: true,
    call: (send, s, done) => send(`${s.origin}/call`, {}, done),
  },
  { shape: '(URL)', callsBack: false, call: (send, s) => send(new URL(`${s.origin}/call`)) },
  {
    shape: '(URL, callback)',
    callsBack: true,
    call: (send, s, done) => send(new URL(`${s.origin}/call`), done),
  },
  {
    shape: '(URL, options, callback)',
    callsBack: true,
    call: (send, s, done) => send(new URL(`${s.origin}/call`), { method: 'GET' }, done),
  },
  {
    shape: '(options with hostname)',
    callsBack: false,
    call: (send, s) => send({ hostname: '127.0.0.1', port: s.port, path: '/call' }),
  },
  {
    shape: '(options with host, callback)',
    callsBack: true,
    call: (send, s, done) => send({ host: '127.0.0.1', port: s.port, path: '/call' }, done),
  },
  {
    shape: '(options with hostname and another host:port)',
    callsBack: false,
    call: (send, s) =>
      send({ hostname: '127.0.0.1', host: '127.0.0.2:1', port: s.port, path: '/call' }),
  },
];

describe.each(['request', 'get'] as const)('http.%s', (name) => {
  const { relay } = createTestRelay({ mode: 'HS256', propagateTo: ['127.0.0.1'] });
  const token = relay.issue({ sub: 'user-1' });
  const hooks = { beforeEach, afterEach };
  const server = recordingServerPerTest(hooks);
  installPerTest(hooks, () => installHttpPropagation(relay));
  const send: Send = (...args) => {
    const request = (http[name] as Send)(...args);
    if (name === 'request') request.end();
    return request;
  };

  it.each(SIGNATURES)('adds the passport for the call shape $shape', async (signature) => {
    let calledBack = false;
    const done = () => {
      calledBack = true;
    };
    await runAsCaller(relay, token, () => bodyOf(signature.call(send, server, done)));
    expect(server.requests.map((request) => [request.url, request.headers.passport])).toEqual([
      ['/call', token],
    ]);
    expect(calledBack).toBe(signature.callsBack);
  });

  it('decides on options.hostname when it overrides the URL’s host', async () => {
    const offList = await startRecordingServer({ host: '127.0.0.2' });
    try {
      await runAsCaller(relay, token, () =>
        bodyOf(send(`${server.origin}/call`, { hostname: '127.0.0.2', port: offList.port })),
      );
      expect(server.requests).toHaveLength(0);
      expect(offList.received('passport')).toEqual([undefined]);
    } finally {
      await offList.close();
    }
  });

  it('decides on options.host without its port when there is no hostname', async () => {
    const offList = await startRecordingServer({ host: '127.0.0.2' });
    try {
      await runAsCaller(relay, token, async () => {
        await bodyOf(send({ host: '127.0.0.2', port: offList.port, path: '/off' }));
        await bodyOf(send({ host: '127.0.0.1', port: server.port, path: '/on' }));
      });
      expect(offList.received('passport')).toEqual([undefined]);
      expect(server.received('passport')).toEqual([token]);
    } finally {
      await offList.close();
    }
  });

  it('adds nothing outside a request', async () => {
    await bodyOf(send(`${server.origin}/call`));
    expect(server.received('passport')).toEqual([undefined]);
  });
});
