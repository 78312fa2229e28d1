import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { DIAGNOSTICS_CHANNELS, type PassportError } from '@passport-relay/core';
import {
  agedPassport,
  type BrokerServer,
  createTestRelay,
  startRabbitMqServer,
  type TestRelay,
} from '@passport-relay/testing';
import amqplib, { type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumeWithPassport, installChannelPassport } from '../src/index.js';

let rabbit: BrokerServer;
let connection: ChannelModel;
let queueCount = 0;

beforeAll(async () => {
  rabbit = await startRabbitMqServer();
  connection = await amqplib.connect(rabbit.url);
}, 120_000);
afterAll(async () => {
  await connection?.close();
  await rabbit?.close();
});

/** A queue with a dead-letter queue, and two channels: one to publish, one to consume. */
async function queueWithDeadLetters() {
  const name = `q${++queueCount}`;
  const publisher = await connection.createConfirmChannel();
  const consumer = await connection.createChannel();
  await publisher.assertExchange(`${name}.dlx`, 'fanout', { durable: false });
  await publisher.assertQueue(`${name}.dead`, { durable: false });
  await publisher.bindQueue(`${name}.dead`, `${name}.dlx`, '');
  await publisher.assertQueue(name, { durable: false, deadLetterExchange: `${name}.dlx` });
  await consumer.prefetch(10);
  const deadLetters = async (count: number) => {
    const found: ConsumeMessage[] = [];
    while (found.length < count) {
      const message = await publisher.get(`${name}.dead`, { noAck: true });
      if (message === false) await new Promise((resolve) => setTimeout(resolve, 20));
      else found.push(message as unknown as ConsumeMessage);
    }
    return found;
  };
  return { name, publisher, consumer, deadLetters };
}

/** Resolves when `count` values were pushed. */
function collector<T>(count: number) {
  const values: T[] = [];
  let resolveAll: (values: T[]) => void;
  const all = new Promise<T[]>((resolve) => {
    resolveAll = resolve;
  });
  return {
    values,
    all,
    push(value: T) {
      values.push(value);
      if (values.length === count) resolveAll(values);
    },
  };
}

const send = (channel: ConfirmChannel, queue: string, body: string, headers?: object) =>
  new Promise<void>((resolve, reject) =>
    channel.sendToQueue(queue, Buffer.from(body), headers ? { headers } : {}, (error) =>
      error ? reject(error) : resolve(),
    ),
  );

describe('publish carries the passport; the consumer runs as that caller', () => {
  it('delivers each caller passport to the handler that processes its message', async () => {
    const { relay } = createTestRelay();
    const { name, publisher, consumer } = await queueWithDeadLetters();
    installChannelPassport(relay, publisher, { propagateTo: [`queue:${name}`] });
    const seen = collector<string>(3);
    await consumeWithPassport(relay, consumer, name, (message) => {
      seen.push(`${message.content.toString()}:${relay.require().sub}`);
    });
    await Promise.all(
      ['ada', 'grace', 'linus'].map((sub) => relay.run({ sub }, () => send(publisher, name, sub))),
    );
    expect((await seen.all).sort()).toEqual(['ada:ada', 'grace:grace', 'linus:linus']);
  });

  it('allows by exchange and routing key, and withholds elsewhere', async () => {
    const { relay } = createTestRelay();
    const channel = await connection.createConfirmChannel();
    await channel.assertExchange('orders', 'topic', { durable: false });
    await channel.assertExchange('partners', 'topic', { durable: false });
    const inbox = (await channel.assertQueue('', { exclusive: true })).queue;
    await channel.bindQueue(inbox, 'orders', '#');
    await channel.bindQueue(inbox, 'partners', '#');
    installChannelPassport(relay, channel, { propagateTo: ['exchange:orders/order.*'] });
    const withheld: unknown[] = [];
    const listener = (message: unknown) => withheld.push(message);
    subscribe(DIAGNOSTICS_CHANNELS.withheld, listener);
    try {
      await relay.run({ sub: 'ada' }, async () => {
        channel.publish('orders', 'order.created', Buffer.from('1'));
        channel.publish('orders', 'refund.created', Buffer.from('2'));
        channel.publish('partners', 'order.created', Buffer.from('3'));
        await channel.waitForConfirms();
      });
    } finally {
      unsubscribe(DIAGNOSTICS_CHANNELS.withheld, listener);
    }
    const carried: Record<string, boolean> = {};
    for (let i = 0; i < 3; i++) {
      let message = await channel.get(inbox, { noAck: true });
      while (message === false) message = await channel.get(inbox, { noAck: true });
      carried[message.content.toString()] =
        typeof message.properties.headers?.passport === 'string';
    }
    expect(carried).toEqual({ 1: true, 2: false, 3: false });
    expect(withheld).toEqual([
      { destination: 'exchange:orders/refund.created', reason: 'destination-not-allowed' },
      { destination: 'exchange:partners/order.created', reason: 'destination-not-allowed' },
    ]);
    await channel.close();
  });
});

describe('a refused message is dead-lettered, never handled, and consuming goes on', () => {
  const cases: [string, (test: TestRelay) => object, string][] = [
    [
      'signed by another key',
      () => ({ passport: createTestRelay().relay.issue({ sub: 'm' }) }),
      'ERR_PASSPORT_SIGNATURE',
    ],
    ['malformed', () => ({ passport: 'a.b.c' }), 'ERR_PASSPORT_MALFORMED'],
    ['a table, not a string', () => ({ passport: { sub: 'm' } }), 'ERR_PASSPORT_MALFORMED'],
    ['missing', () => ({}), 'ERR_PASSPORT_MISSING'],
    [
      'expired beyond the message age',
      (test) => ({ passport: agedPassport(test, { sub: 'm' }, { issuedSecondsAgo: 7200 }) }),
      'ERR_PASSPORT_EXPIRED',
    ],
  ];
  it.each(cases)('%s', async (_name, headers, code) => {
    const test = createTestRelay();
    const { relay } = test;
    const { name, publisher, consumer, deadLetters } = await queueWithDeadLetters();
    const handled = collector<string>(1);
    const refused: string[] = [];
    await consumeWithPassport(
      relay,
      consumer,
      name,
      (message) => handled.push(message.content.toString()),
      {
        onRefused: (error: PassportError) => refused.push(error.code),
      },
    );
    await send(publisher, name, 'bad', headers(test));
    await send(publisher, name, 'good', { passport: relay.issue({ sub: 'ada' }) });
    expect(await handled.all).toEqual(['good']);
    const [dead] = await deadLetters(1);
    expect(dead!.content.toString()).toBe('bad');
    expect(refused).toEqual([code]);
  });
});

describe('consume-time policy and redelivery', () => {
  it('handles a message whose passport expired while it waited, within the bound', async () => {
    const test = createTestRelay();
    const { relay } = test;
    const { name, publisher, consumer } = await queueWithDeadLetters();
    const seen = collector<string>(1);
    await consumeWithPassport(relay, consumer, name, () => seen.push(relay.require().sub), {
      maxMessageAgeSeconds: 1200,
    });
    await send(publisher, name, 'x', {
      passport: agedPassport(test, { sub: 'late' }, { issuedSecondsAgo: 900 }),
    });
    expect(await seen.all).toEqual(['late']);
  });

  it('requeues a failed handler once with the same passport, then dead-letters it', async () => {
    const { relay } = createTestRelay();
    const { name, publisher, consumer, deadLetters } = await queueWithDeadLetters();
    installChannelPassport(relay, publisher, { propagateTo: ['queue:*'] });
    const attempts = collector<string>(2);
    await consumeWithPassport(relay, consumer, name, (message) => {
      attempts.push(`${message.fields.redelivered}:${relay.require().sub}`);
      throw new Error('business failure');
    });
    await relay.run({ sub: 'ada' }, () => send(publisher, name, 'x'));
    expect(await attempts.all).toEqual(['false:ada', 'true:ada']);
    const [dead] = await deadLetters(1);
    expect(dead!.content.toString()).toBe('x');
  });
});

describe('options', () => {
  it('are checked when installing, with a message that says how to fix them', async () => {
    const { relay } = createTestRelay();
    const channel = await connection.createChannel();
    expect(() => installChannelPassport(relay, channel, {} as never)).toThrow(/propagateTo/);
    expect(() => installChannelPassport(relay, channel, { propagateTo: ['orders'] })).toThrow(
      /"exchange:NAME"/,
    );
    expect(() =>
      consumeWithPassport(relay, channel, 'q', () => {}, { consume: { noAck: true } as never }),
    ).toThrow(/noAck/);
    await channel.close();
  });

  it('install is harmless twice and uninstalls', async () => {
    const { relay } = createTestRelay();
    const channel = await connection.createChannel();
    const publish = channel.publish;
    const uninstall = installChannelPassport(relay, channel, { propagateTo: ['queue:*'] });
    // A second install only holds the first: its uninstall leaves the hook to the first one's.
    installChannelPassport(relay, channel, { propagateTo: ['queue:*'] })();
    expect(channel.publish).not.toBe(publish);
    uninstall();
    expect(channel.publish).toBe(publish);
    await channel.close();
  });
});
