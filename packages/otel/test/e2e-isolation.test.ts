import http from 'node:http';
import { setImmediate as tick } from 'node:timers/promises';
import { passportRelay } from '@passport-relay/express';
import { createTestRelay } from '@passport-relay/testing';
import express from 'express';
import { Agent, type Dispatcher, getGlobalDispatcher, request, setGlobalDispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otelContextStore } from '../src/index.js';
import { CLIENTS, type Client, get } from './support/clients.js';
import { startTestSdk, type TestSdk } from './support/otel-sdk.js';
import { installOutboundHooks } from './support/outbound-hooks.js';
import { listen, type TestServer } from './support/servers.js';

// 500 concurrent requests, each with its own passport, through two services: A (plain node:http,
// passport from OTel's extraction) calls B (Express with passport-relay's middleware) with fetch,
// undici, node:http or axios over small connection pools, so requests queue behind each other.

const REQUESTS = 500;
const { relay } = createTestRelay({ store: otelContextStore() });
let sdk: TestSdk;
let uninstallHooks: () => void;
let previousDispatcher: Dispatcher;
const previousMaxSockets = http.globalAgent.maxSockets;
const pooled = new Agent({ connections: 4 });
const client = new Agent({ connections: 32 });
let serviceA: TestServer;
let serviceB: TestServer;

interface Seen {
  readonly sub: string | undefined;
  readonly token: string | undefined;
}
interface AnswerA {
  readonly before: string | undefined;
  readonly after: string | undefined;
  readonly b: Seen;
}

beforeAll(async () => {
  sdk = startTestSdk(relay);
  previousDispatcher = getGlobalDispatcher();
  setGlobalDispatcher(pooled);
  http.globalAgent.maxSockets = 4;
  uninstallHooks = installOutboundHooks(relay);

  const appB = express();
  appB.use(passportRelay(relay));
  appB.get('/', async (req, res) => {
    await tick();
    const seen: Seen = { sub: relay.current()?.sub, token: req.headers.passport as string };
    res.json(seen);
  });
  serviceB = await listen(appB);

  serviceA = await listen(async (req, res) => {
    const clientName = new URL(req.url ?? '/', 'http://a').searchParams.get('client') as Client;
    const before = relay.current()?.sub;
    const reply = await get(clientName, `${serviceB.origin}/`);
    const answer: AnswerA = { before, after: relay.current()?.sub, b: JSON.parse(reply.body) };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  });
});
afterAll(async () => {
  uninstallHooks();
  setGlobalDispatcher(previousDispatcher);
  http.globalAgent.maxSockets = previousMaxSockets;
  await serviceA.close();
  await serviceB.close();
  await Promise.all([pooled.close(), client.close()]);
  await sdk.shutdown();
});

describe('concurrency isolation with the OTel context store', () => {
  it(`keeps ${REQUESTS} concurrent passports apart across two hops and four clients`, async () => {
    const users = Array.from({ length: REQUESTS }, (_, i) => {
      const sub = `user-${i}`;
      return { sub, token: relay.issue({ sub }), client: CLIENTS[i % CLIENTS.length] as Client };
    });
    const answers = await Promise.all(
      users.map(async (user) => {
        const response = await request(`${serviceA.origin}/?client=${user.client}`, {
          dispatcher: client,
          headers: { passport: user.token },
        });
        return (await response.body.json()) as AnswerA;
      }),
    );
    const crossed = users.filter((user, i) => {
      const answer = answers[i]!;
      return (
        answer.before !== user.sub ||
        answer.after !== user.sub ||
        answer.b.sub !== user.sub ||
        answer.b.token !== user.token
      );
    });
    expect(answers).toHaveLength(REQUESTS);
    expect(crossed).toEqual([]);
  }, 60_000);
});
