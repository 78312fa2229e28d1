import { connect } from 'node:net';
import { describeOutboundAdapter } from '@passport-relay/testing/conformance';
import {
  Agent,
  type Dispatcher,
  getGlobalDispatcher,
  interceptors,
  request,
  setGlobalDispatcher,
} from 'undici';
import { afterAll, beforeAll } from 'vitest';
import { installGlobalFetchPropagation, passportInterceptor } from '../src/index.js';

/**
 * A pooled agent with a connection limit (the case only an interceptor gets right) that connects
 * a request for any host outside 127.0.0.0/8 to 127.0.0.1 on the same port, so the suite can ask
 * for `http://169.254.169.254:port/` without leaving the machine.
 */
function loopbackPool(): Agent {
  return new Agent({
    connections: 2,
    connect: (options, callback) => {
      const hostname = String(options.hostname);
      const host = hostname.startsWith('127.') ? hostname : '127.0.0.1';
      const socket = connect({ port: Number(options.port), host });
      socket.once('connect', () => callback(null, socket));
      socket.once('error', (error) => callback(error, null));
    },
  });
}

const pool = loopbackPool();
let previousGlobal: Dispatcher;
beforeAll(() => {
  previousGlobal = getGlobalDispatcher();
  setGlobalDispatcher(pool);
});
afterAll(async () => {
  setGlobalDispatcher(previousGlobal);
  await pool.close();
});

const composed: Parameters<typeof passportInterceptor>[0][] = [];

describeOutboundAdapter('@passport-relay/undici passportInterceptor (undici.request, pooled)', {
  // An interceptor is composed onto a dispatcher; "installing" composes one for this relay.
  install: (relay) => {
    composed.push(relay);
    return () => {
      composed.splice(composed.indexOf(relay), 1);
    };
  },
  followsRedirects: true,
  async get({ url, headers }) {
    const dispatcher = pool.compose(
      ...[...new Set(composed)].map((relay) => passportInterceptor(relay)),
      interceptors.redirect({ maxRedirections: 3 }),
    );
    const response = await request(url, { dispatcher, ...(headers && { headers }) });
    await response.body.text();
  },
});

describeOutboundAdapter('@passport-relay/undici installGlobalFetchPropagation (fetch)', {
  install: (relay) => installGlobalFetchPropagation(relay),
  followsRedirects: true,
  async get({ url, headers }) {
    const response = await fetch(url, { ...(headers && { headers }) });
    await response.text();
  },
});
