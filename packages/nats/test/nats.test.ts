import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { DIAGNOSTICS_CHANNELS } from '@passport-relay/core';
import {
  agedPassport,
  type BrokerServer,
  createTestRelay,
  startNatsServer,
  type TestRelay,
} from '@passport-relay/testing';
import {
  AckPolicy,
  connect,
  type JsMsg,
  type NatsConnection,
  headers as natsHeaders,
  StringCodec,
} from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  installNatsPassport,
  jetStreamHandler,
  NATS_SERVICE_ERROR_CODE,
  refusalOf,
  subscribeWithPassport,
} from '../src/index.js';

const text = StringCodec();
let nats: BrokerServer;
let nc: NatsConnection;
let subjectCount = 0;

beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connect({ servers: nats.url });
});
afterAll(async () => {
  await nc?.close();
  await nats?.close();
});

/** A fresh connection with the passport installed for `propagateTo`. */
async function producer(test: TestRelay, propagateTo: string[]) {
  const connection = await connect({ servers: nats.url });
  installNatsPassport(test.relay, connection, { propagateTo });
  return connection;
}

const withHeaders = (values: Record<string, string>) => {
  const headers = natsHeaders();
  for (const [name, value] of Object.entries(values)) headers.set(name, value);
  return headers;
};

describe('publish and request carry the passport; subscriptions run as that caller', () => {
  it('answers each request as the caller who sent it, across a queue group', async () => {
    const test = createTestRelay();
    const { relay } = test;
    const subject = `orders${++subjectCount}.get`;
    for (let i = 0; i < 3; i++) {
      subscribeWithPassport(
        relay,
        nc,
        subject,
        (msg) => msg.respond(text.encode(relay.require().sub)),
        {
          queue: 'workers',
        },
      );
    }
    const client = await producer(test, [`orders${subjectCount}.>`]);
    const subs = Array.from({ length: 30 }, (_, i) => `user-${i}`);
    const replies = await Promise.all(
      subs.map((sub) => relay.run({ sub }, () => client.request(subject, text.encode(sub)))),
    );
    expect(replies.map((reply) => text.decode(reply.data))).toEqual(subs);
    await client.close();
  });

  it('delivers a published message with the passport to a subscription', async () => {
    const test = createTestRelay();
    const subject = `events${++subjectCount}.created`;
    const seen = new Promise<string>((resolve) => {
      subscribeWithPassport(test.relay, nc, subject, () => resolve(test.relay.require().sub));
    });
    const client = await producer(test, [`events${subjectCount}.*`]);
    test.relay.run({ sub: 'ada' }, () => client.publish(subject, text.encode('x')));
    expect(await seen).toBe('ada');
    await client.close();
  });

  it('withholds the passport from subjects propagateTo does not list', async () => {
    const test = createTestRelay();
    const subject = `audit${++subjectCount}.export`;
    const received = new Promise<boolean>((resolve) => {
      nc.subscribe(subject, {
        max: 1,
        callback: (_e, msg) => resolve(msg.headers?.has('passport') ?? false),
      });
    });
    await nc.flush();
    const client = await producer(test, ['orders.>']);
    const withheld: unknown[] = [];
    const listener = (message: unknown) => withheld.push(message);
    subscribe(DIAGNOSTICS_CHANNELS.withheld, listener);
    try {
      test.relay.run({ sub: 'ada' }, () => client.publish(subject, text.encode('x')));
    } finally {
      unsubscribe(DIAGNOSTICS_CHANNELS.withheld, listener);
    }
    expect(await received).toBe(false);
    expect(withheld).toEqual([{ destination: subject, reason: 'destination-not-allowed' }]);
    await client.close();
  });
});

describe('a refused request gets an error reply; the handler never runs; the subscription goes on', () => {
  const cases: [string, (test: TestRelay) => Record<string, string>, string, string][] = [
    [
      'signed by another key',
      () => ({ passport: createTestRelay().relay.issue({ sub: 'm' }) }),
      'ERR_PASSPORT_SIGNATURE',
      '401',
    ],
    ['malformed', () => ({ passport: 'garbage' }), 'ERR_PASSPORT_MALFORMED', '401'],
    ['missing', () => ({}), 'ERR_PASSPORT_MISSING', '401'],
    [
      'expired beyond the message age',
      (test) => ({ passport: agedPassport(test, { sub: 'm' }, { issuedSecondsAgo: 7200 }) }),
      'ERR_PASSPORT_EXPIRED',
      '401',
    ],
  ];
  it.each(cases)('%s', async (_name, makeHeaders, code, status) => {
    const test = createTestRelay();
    const subject = `refuse${++subjectCount}`;
    const handled: string[] = [];
    const refused: string[] = [];
    subscribeWithPassport(
      test.relay,
      nc,
      subject,
      (msg) => {
        handled.push(test.relay.require().sub);
        msg.respond(text.encode('ok'));
      },
      { onRefused: (error) => refused.push(error.code) },
    );
    const bad = await nc.request(subject, text.encode('x'), {
      headers: withHeaders(makeHeaders(test)),
      timeout: 5000,
    });
    expect(bad.data.length).toBe(0);
    expect(bad.headers?.get(NATS_SERVICE_ERROR_CODE)).toBe(status);
    expect(refusalOf(bad)?.code).toBe(code);
    const good = await nc.request(subject, text.encode('x'), {
      headers: withHeaders({ passport: test.relay.issue({ sub: 'ada' }) }),
      timeout: 5000,
    });
    expect(text.decode(good.data)).toBe('ok');
    expect(refusalOf(good)).toBeUndefined();
    expect(handled).toEqual(['ada']);
    expect(refused).toEqual([code]);
  });
});

describe('JetStream', () => {
  async function streamAndConsumer(name: string, maxDeliver = 3) {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name, subjects: [`${name}.>`] });
    await jsm.consumers.add(name, {
      durable_name: 'workers',
      ack_policy: AckPolicy.Explicit,
      max_deliver: maxDeliver,
      ack_wait: 1_000_000_000,
    });
    return nc.jetstream().consumers.get(name, 'workers');
  }

  it('acks what it handled, terminates what it refused, naks a failed handler for redelivery', async () => {
    const test = createTestRelay();
    const name = `JS${++subjectCount}`;
    const consumer = await streamAndConsumer(name);
    const client = await producer(test, [`${name}.>`]);
    const js = client.jetstream();
    const outcomes: string[] = [];
    const handle = jetStreamHandler(
      test.relay,
      (msg) => {
        const body = text.decode(msg.data);
        outcomes.push(`${body}:${msg.info.redeliveryCount}:${test.relay.require().sub}`);
        if (body === 'flaky' && msg.info.redeliveryCount === 1) throw new Error('try again');
      },
      {
        onRefused: (error, msg) => outcomes.push(`refused ${text.decode(msg.data)}:${error.code}`),
      },
    );
    await test.relay.run({ sub: 'ada' }, async () => {
      await js.publish(`${name}.a`, text.encode('first'));
      await js.publish(`${name}.a`, text.encode('flaky'));
    });
    await js.publish(`${name}.a`, text.encode('forged'), {
      headers: withHeaders({ passport: createTestRelay().relay.issue({ sub: 'm' }) }),
    });
    await test.relay.run({ sub: 'grace' }, () => js.publish(`${name}.a`, text.encode('last')));
    const messages = await consumer.consume();
    let settled = 0;
    for await (const msg of messages) {
      await handle(msg as JsMsg);
      if (++settled === 5) break;
    }
    expect(outcomes.sort()).toEqual(
      [
        'first:1:ada',
        'flaky:1:ada',
        'flaky:2:ada',
        'last:1:grace',
        'refused forged:ERR_PASSPORT_SIGNATURE',
      ].sort(),
    );
    // Acks travel to the server asynchronously: wait (bounded) until it has recorded them.
    await expect
      .poll(async () => (await consumer.info()).num_ack_pending, { timeout: 10_000 })
      .toBe(0);
    expect((await consumer.info()).num_pending).toBe(0);
    await client.close();
  });
});

describe('options', () => {
  it('are checked at install, saying how to fix them', () => {
    const { relay } = createTestRelay();
    expect(() => installNatsPassport(relay, nc, {} as never)).toThrow(/propagateTo/);
    expect(() => installNatsPassport(relay, nc, { propagateTo: ['a.>.b'] })).toThrow(
      /name pattern/,
    );
    expect(() => jetStreamHandler(relay, () => {}, { maxMessageAgeSeconds: 1e9 })).toThrow(
      /maxMessageAgeSeconds/,
    );
  });

  it('install is harmless twice and uninstalls', async () => {
    const { relay } = createTestRelay();
    const connection = await connect({ servers: nats.url });
    const publish = connection.publish;
    const uninstall = installNatsPassport(relay, connection, { propagateTo: ['>'] });
    // A second install only holds the first: its uninstall leaves the hook to the first one's.
    installNatsPassport(relay, connection, { propagateTo: ['>'] })();
    expect(connection.publish).not.toBe(publish);
    uninstall();
    expect(connection.publish).toBe(publish);
    await connection.close();
  });
});
