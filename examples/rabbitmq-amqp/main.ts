/**
 * RabbitMQ through amqplib: a service publishes as the current user; the consumer verifies each
 * message's passport before its handler runs. Forged and too-old passports are dead-lettered, a
 * passport that expired while its message waited (within the consume-time policy) is accepted.
 *
 *   node --import tsx main.ts        (or: pnpm --filter @passport-relay-examples/rabbitmq-amqp start)
 *
 * Uses AMQP_URL when set; otherwise starts a rabbitmq-server of its own on free loopback ports
 * (Debian: apt-get install rabbitmq-server; it takes some seconds). Exits 0 when all behaved.
 */
import { consumeWithPassport, installChannelPassport } from '@passport-relay/amqp';
import { createRelay, signedCodec } from '@passport-relay/core';
import { agedPassport, createTestRelay, startRabbitMqServer } from '@passport-relay/testing';
import amqplib from 'amqplib';

// 1. The edge (mints passports; the test kit makes its keys here) and the services' relay, which
//    holds the public key only.
const edge = createTestRelay({ issuer: 'https://edge.example' });
const relay = createRelay({
  codec: signedCodec({ issuer: edge.issuer, keys: [edge.verificationKey!] }),
});

// 2. RabbitMQ: yours, or one started for this example.
const ownBroker = process.env.AMQP_URL === undefined ? await startRabbitMqServer() : undefined;
const connection = await amqplib.connect(process.env.AMQP_URL ?? ownBroker!.url);

// 3. Topology: `orders` events, a queue for the notifier, and its dead-letter queue.
const setup = await connection.createChannel();
await setup.assertExchange('orders', 'topic', { durable: true });
await setup.assertExchange('orders.dlx', 'fanout', { durable: true });
await setup.assertQueue('notifier.dead', { durable: true });
await setup.bindQueue('notifier.dead', 'orders.dlx', '');
await setup.assertQueue('notifier', { durable: true, deadLetterExchange: 'orders.dlx' });
await setup.bindQueue('notifier', 'orders', 'order.*');

// 4. Producer side, once: messages to the `orders` exchange carry the caller's passport.
const publisher = await connection.createConfirmChannel();
installChannelPassport(relay, publisher, { propagateTo: ['exchange:orders/order.*'] });

// 5. Consumer side: the handler runs as the message's caller; refusals are dead-lettered.
const consumer = await connection.createChannel();
const handled: string[] = [];
const refused: string[] = [];
await consumeWithPassport(
  relay,
  consumer,
  'notifier',
  (message) => {
    const caller = relay.require();
    console.log(`  notifier: ${message.content.toString()} as sub=${caller.sub}`);
    handled.push(`${message.content.toString()}:${caller.sub}`);
  },
  {
    // the default, written out: a passport that expired while its message waited is accepted
    // for up to an hour after it was issued; 0 would refuse any expired passport
    maxMessageAgeSeconds: 3600,
    onRefused: (error, message) => {
      console.log(
        `  notifier: ${message.content.toString()} refused, ${error.code}, dead-lettered`,
      );
      refused.push(`${message.content.toString()}:${error.code}`);
    },
  },
);

const problems: string[] = [];
const check = (ok: boolean, problem: string) => {
  if (!ok) problems.push(problem);
};
try {
  console.log('rabbitmq-amqp: orders service ─publish→ exchange orders ─→ queue notifier\n');
  await Promise.all(
    ['alice', 'bob'].map((sub) =>
      relay.runWith(relay.extract({ passport: edge.relay.issue({ sub }) }), () =>
        publisher.publish('orders', 'order.created', Buffer.from(`order of ${sub}`)),
      ),
    ),
  );
  const raw = (body: string, passport: string) =>
    publisher.publish('orders', 'order.created', Buffer.from(body), { headers: { passport } });
  raw('forged order', createTestRelay({ issuer: edge.issuer }).relay.issue({ sub: 'mallory' }));
  raw('order queued 2 h ago', agedPassport(edge, { sub: 'dave' }, { issuedSecondsAgo: 7200 }));
  raw('order queued 15 min ago', agedPassport(edge, { sub: 'erin' }, { issuedSecondsAgo: 900 }));
  await publisher.waitForConfirms();

  const deadline = Date.now() + 30_000;
  while (handled.length + refused.length < 5 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  let dead = 0;
  for (let i = 0; i < 40 && dead < 2; i++) {
    dead = (await setup.checkQueue('notifier.dead')).messageCount;
    if (dead < 2) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  console.log(`  notifier.dead holds ${dead} messages`);
  check(
    handled.includes('order of alice:alice') && handled.includes('order of bob:bob'),
    `handled: ${handled}`,
  );
  check(handled.includes('order queued 15 min ago:erin'), 'the late message was not accepted');
  check(refused.includes('forged order:ERR_PASSPORT_SIGNATURE'), `refused: ${refused}`);
  check(refused.includes('order queued 2 h ago:ERR_PASSPORT_EXPIRED'), `refused: ${refused}`);
  check(handled.length === 3 && dead === 2, `handled ${handled.length}, dead-lettered ${dead}`);
} catch (error) {
  problems.push(`the example failed: ${String(error)}`);
} finally {
  await connection.close();
  await ownBroker?.close();
}

if (problems.length === 0) {
  console.log(
    '\nOK: each message ran as its publisher; forged and too-old ones were dead-lettered',
  );
} else {
  console.log(`\nFAILED:\n  ${problems.join('\n  ')}`);
  process.exitCode = 1;
}
