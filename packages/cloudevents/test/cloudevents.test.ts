import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { DIAGNOSTICS_CHANNELS } from '@passport-relay/core';
import {
  agedPassport,
  createTestRelay,
  type LoopbackServer,
  listenOnLoopback,
  type TestRelay,
} from '@passport-relay/testing';
import { CloudEvent, type CloudEventV1, HTTP } from 'cloudevents';
import express from 'express';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import {
  expressCloudEventSink,
  PASSPORT_EXTENSION,
  registerCloudEventSink,
  withPassport,
} from '../src/index.js';

const servers: LoopbackServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const orderCreated = (id: string) =>
  new CloudEvent({ type: 'shop.order.created', source: '/orders', data: { id } });

type Sink = 'express' | 'fastify';

/** A Knative sink on `framework` that records who each event ran as. */
async function startSink(framework: Sink, test: TestRelay, options = {}) {
  const seen: string[] = [];
  const handler = (event: CloudEventV1<unknown>) => {
    seen.push(`${(event.data as { id: string }).id}:${test.relay.require().sub}`);
    if ((event.data as { id: string }).id === 'reply') {
      return new CloudEvent({ type: 'shop.order.noted', source: '/notify', data: { ok: true } });
    }
    return undefined;
  };
  let server: LoopbackServer;
  if (framework === 'express') {
    const app = express();
    app.post('/', expressCloudEventSink(test.relay, handler, options));
    server = await listenOnLoopback(app);
  } else {
    const app = Fastify();
    registerCloudEventSink(app, test.relay, handler, options);
    server = await listenOnLoopback(app);
  }
  servers.push(server);
  return { server, seen };
}

const post = (origin: string, message: { headers: object; body: unknown }) =>
  fetch(origin, {
    method: 'POST',
    headers: message.headers as Record<string, string>,
    body: message.body as string,
  });

describe('withPassport', () => {
  it('sets the passport extension, which binary mode sends as ce-passport and structured mode in the JSON', () => {
    const { relay } = createTestRelay();
    const event = relay.run({ sub: 'ada' }, () =>
      withPassport(
        relay,
        orderCreated('1'),
        'http://broker-ingress.knative-eventing.svc.cluster.local/shop/default',
      ),
    );
    const token = event[PASSPORT_EXTENSION] as string;
    expect(relay.verify(token).sub).toBe('ada');
    expect(HTTP.binary(event).headers['ce-passport']).toBe(token);
    expect(JSON.parse(HTTP.structured(event).body as string).passport).toBe(token);
  });

  it('withholds it from a sink the destination policy does not allow, and says so', () => {
    const { relay } = createTestRelay();
    const withheld: unknown[] = [];
    const listener = (message: unknown) => withheld.push(message);
    subscribe(DIAGNOSTICS_CHANNELS.withheld, listener);
    let event: CloudEvent<unknown>;
    try {
      event = relay.run({ sub: 'ada' }, () =>
        withPassport(relay, orderCreated('1'), 'https://events.partner.example/in'),
      );
    } finally {
      unsubscribe(DIAGNOSTICS_CHANNELS.withheld, listener);
    }
    expect(event[PASSPORT_EXTENSION]).toBeUndefined();
    expect(withheld).toEqual([
      { destination: 'https://events.partner.example/in', reason: 'destination-not-allowed' },
    ]);
  });

  it('keeps a passport the event already has, and adds nothing outside a caller', () => {
    const { relay } = createTestRelay();
    const own = orderCreated('1').cloneWith({ passport: 'explicit' });
    expect(
      relay.run({ sub: 'ada' }, () => withPassport(relay, own, 'http://broker')).passport,
    ).toBe('explicit');
    expect(withPassport(relay, orderCreated('2'), 'http://broker').passport).toBeUndefined();
  });
});

describe.each<Sink>(['express', 'fastify'])('a Knative sink on %s', (framework) => {
  it('runs the handler as the caller, in binary and structured mode', async () => {
    const test = createTestRelay();
    const { server, seen } = await startSink(framework, test);
    const sink = server.origin;
    for (const [mode, sub] of [
      ['binary', 'ada'],
      ['structured', 'grace'],
    ] as const) {
      const event = test.relay.run({ sub }, () =>
        withPassport(test.relay, orderCreated(mode), sink),
      );
      const response = await post(
        sink,
        mode === 'binary' ? HTTP.binary(event) : HTTP.structured(event),
      );
      expect(response.status).toBe(202);
    }
    expect(seen).toEqual(['binary:ada', 'structured:grace']);
  });

  it('answers with the reply event the handler returns, in binary mode', async () => {
    const test = createTestRelay();
    const { server } = await startSink(framework, test);
    const event = test.relay.run({ sub: 'ada' }, () =>
      withPassport(test.relay, orderCreated('reply'), server.origin),
    );
    const response = await post(server.origin, HTTP.binary(event));
    expect(response.status).toBe(200);
    expect(response.headers.get('ce-type')).toBe('shop.order.noted');
  });

  const refusals: [string, (test: TestRelay) => string | undefined, number, string][] = [
    [
      'signed by another key',
      () => createTestRelay().relay.issue({ sub: 'm' }),
      401,
      'ERR_PASSPORT_SIGNATURE',
    ],
    ['malformed', () => 'x.y', 401, 'ERR_PASSPORT_MALFORMED'],
    ['missing', () => undefined, 401, 'ERR_PASSPORT_MISSING'],
    [
      'expired beyond the message age',
      (test) => agedPassport(test, { sub: 'm' }, { issuedSecondsAgo: 7200 }),
      401,
      'ERR_PASSPORT_EXPIRED',
    ],
  ];
  it.each(refusals)(
    'refuses a passport %s, never runs the handler, keeps serving',
    async (_n, make, status, code) => {
      const test = createTestRelay();
      const { server, seen } = await startSink(framework, test);
      const passport = make(test);
      const bad =
        passport === undefined ? orderCreated('bad') : orderCreated('bad').cloneWith({ passport });
      for (const message of [HTTP.binary(bad), HTTP.structured(bad)]) {
        const response = await post(server.origin, message);
        expect(response.status).toBe(status);
        expect(response.headers.get('content-type')).toBe('application/problem+json');
        const body = await response.text();
        expect(JSON.parse(body).code).toBe(code);
        if (passport !== undefined) expect(body).not.toContain(passport);
      }
      const good = orderCreated('good').cloneWith({ passport: test.relay.issue({ sub: 'ada' }) });
      expect((await post(server.origin, HTTP.binary(good))).status).toBe(202);
      expect(seen).toEqual(['good:ada']);
    },
  );

  it('accepts an event whose passport expired in the broker, within the message age', async () => {
    const test = createTestRelay();
    const { server, seen } = await startSink(framework, test, { maxMessageAgeSeconds: 1200 });
    const late = orderCreated('late').cloneWith({
      passport: agedPassport(test, { sub: 'ada' }, { issuedSecondsAgo: 900 }),
    });
    expect((await post(server.origin, HTTP.binary(late))).status).toBe(202);
    expect(seen).toEqual(['late:ada']);
  });

  it('answers 400 to a request that is not a CloudEvent', async () => {
    const test = createTestRelay();
    const { server, seen } = await startSink(framework, test);
    const response = await post(server.origin, {
      headers: { 'content-type': 'application/json' },
      body: '{"hello":1}',
    });
    expect(response.status).toBe(400);
    expect(seen).toEqual([]);
  });
});
