/**
 * The passport through real brokers, at volume and under faults (issue 14):
 *
 * - isolation: 10,000 messages from 500 callers through each broker to several concurrent
 *   consumers, interleaved with forged, expired and late (expired in the broker, within the
 *   consume-time policy) passports: every handler runs as exactly its producer; every forged or
 *   expired one is refused and never handled; consuming goes on
 * - faults: a consumer in a child process is SIGKILLed mid-message, and the broker restarts while
 *   2,000 more messages flow: none is lost, and every (re)delivery runs as its original caller
 *
 * Consumers verify with their own relay holding only the edge's public key, as a real service
 * does. Figures are printed as `[messages] ...` lines.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { consumeWithPassport, installChannelPassport } from '@passport-relay/amqp';
import {
  installQueuePassport,
  PassportJobRefusedError,
  passportProcessor,
} from '@passport-relay/bullmq';
import { createRelay, type Relay, signedCodec, type VerificationKey } from '@passport-relay/core';
import {
  installNatsPassport,
  jetStreamHandler,
  refusalOf,
  subscribeWithPassport,
} from '@passport-relay/nats';
import {
  type BrokerServer,
  createTestRelay,
  runConcurrently,
  startNatsServer,
  startRabbitMqServer,
  startRedisServer,
  type TestRelay,
} from '@passport-relay/testing';
import amqplib, { type Channel, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { type Job, Queue, Worker } from 'bullmq';
import {
  AckPolicy,
  connect,
  type JsMsg,
  type NatsConnection,
  headers as natsHeaders,
  StringCodec,
} from 'nats';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type MessageBody,
  MessageLedger,
  type PlannedMessage,
  planMessages,
  sleep,
  startChildConsumer,
  until,
} from './support/message-ledger.js';

const CALLERS = 500;
const PER_CALLER = 20;
const BAD_EACH = 50;
const CONSUMERS = 4;
const FAULT_CALLERS = 100;
const FAULT_PER_CALLER = 20;
const SLOW = 600_000;

const text = StringCodec();
const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
});

/** The edge (mints, produces) and a consuming service that holds only the public key. */
function edgeAndService(): { edge: TestRelay; service: Relay; verificationKey: VerificationKey } {
  const edge = createTestRelay();
  const service = createRelay({
    codec: signedCodec({ issuer: edge.issuer, keys: [edge.verificationKey!] }),
  });
  return { edge, service, verificationKey: edge.verificationKey! };
}

/** The child consumer's env: where to consume and the edge's public key. */
function childEnv(edge: TestRelay, broker: string, url: string, destination: string) {
  const key = edge.verificationKey as { kid: string; key: import('node:crypto').KeyObject };
  return {
    BROKER: broker,
    URL: url,
    DESTINATION: destination,
    ISSUER: edge.issuer,
    KID: key.kid,
    PUBLIC_JWK: JSON.stringify(key.key.export({ format: 'jwk' })),
  };
}

/** Send every planned message: good ones as their caller (the adapter adds the passport). */
function produce(
  edge: TestRelay,
  plan: readonly PlannedMessage[],
  limit: number,
  send: (body: MessageBody, explicitPassport: string | undefined) => Promise<unknown>,
) {
  return runConcurrently(plan.length, limit, async (index) => {
    const message = plan[index]!;
    const body = { id: message.id, sub: message.sub };
    if (message.kind === 'good')
      return edge.relay.run({ sub: message.sub }, () => send(body, undefined));
    return send(body, message.passport);
  });
}

function report(broker: string, what: string, figures: object, startedAt: number) {
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  console.log(`[messages] ${broker} ${what}: ${JSON.stringify(figures)} in ${seconds} s`);
}

function expectIsolation(ledger: MessageLedger, plan: readonly PlannedMessage[]) {
  const summary = ledger.summary(plan);
  expect(ledger.misattributed.slice(0, 5)).toEqual([]);
  expect(summary).toMatchObject({
    good: CALLERS * PER_CALLER,
    goodHandled: CALLERS * PER_CALLER,
    missing: 0,
    misattributed: 0,
    lateHandled: BAD_EACH,
    forgedRefused: BAD_EACH,
    expiredRefused: BAD_EACH,
    badRan: 0,
  });
  return summary;
}

function expectNoLoss(
  ledger: MessageLedger,
  plan: readonly PlannedMessage[],
  victim: { id: string; sub: string },
) {
  const summary = ledger.summary(plan);
  expect(ledger.misattributed.slice(0, 5)).toEqual([]);
  expect(summary.missing).toBe(0);
  expect(summary.misattributed).toBe(0);
  expect(summary.goodHandled).toBe(summary.good);
  // the message the killed consumer was handling came back, and ran as its original caller
  expect(ledger.handlings.get(victim.id)).toBeGreaterThanOrEqual(1);
  expect(ledger.redeliveries).toContain(victim.id);
  return summary;
}

// ---------------------------------------------------------------------------------------------
describe('BullMQ on Redis', () => {
  let redis: BrokerServer;
  const connection = () => ({ host: redis.host, port: redis.port, maxRetriesPerRequest: null });

  /** `count` workers; `fastStallCheck` notices a killed worker's job within seconds. */
  function workers(
    name: string,
    service: Relay,
    ledger: MessageLedger,
    count: number,
    fastStallCheck = false,
  ) {
    const processor = passportProcessor(service, async (job: Job<MessageBody>) => {
      await yieldToLoop();
      ledger.handled(job.data, service, (job.attemptsStarted ?? 0) > 1);
    });
    return Array.from({ length: count }, () => {
      const worker = new Worker(name, processor, {
        connection: connection(),
        concurrency: 20,
        ...(fastStallCheck ? { stalledInterval: 1000, lockDuration: 2000 } : {}),
      });
      worker.on('error', () => {}); // connection errors while Redis restarts; it reconnects
      worker.on('failed', (job, error) => {
        if (job !== undefined && error instanceof PassportJobRefusedError) {
          ledger.refused(job.data.id, error.code);
          if (job.attemptsMade !== 1)
            ledger.misattributed.push(`${job.data.id} retried after refusal`);
        }
      });
      cleanup.push(() => worker.close());
      return worker;
    });
  }

  it('isolation: 10,000 jobs from 500 callers, 4 workers', { timeout: SLOW }, async () => {
    redis = await startRedisServer();
    cleanup.push(() => redis.close());
    const { edge, service } = edgeAndService();
    const plan = planMessages(edge, {
      callers: CALLERS,
      perCaller: PER_CALLER,
      bad: BAD_EACH,
      prefix: 'bq',
    });
    const ledger = new MessageLedger(plan);
    const queue = new Queue('isolation', {
      connection: connection(),
      defaultJobOptions: { attempts: 3, removeOnComplete: true },
    });
    cleanup.push(() => queue.close());
    installQueuePassport(edge.relay, queue, { propagateTo: ['isolation'] });
    const startedAt = Date.now();
    workers('isolation', service, ledger, CONSUMERS);
    await produce(edge, plan, 100, (body, passport) =>
      queue.add('m', passport === undefined ? body : { ...body, passport }),
    );
    await until(
      () => ledger.settled(plan),
      300_000,
      () => `${ledger.handlings.size} handled, ${ledger.refusals.size} refused`,
    );
    report('bullmq', 'isolation', expectIsolation(ledger, plan), startedAt);
  });

  it('faults: a worker killed mid-job and Redis restarted mid-run lose nothing', {
    timeout: SLOW,
  }, async () => {
    const { edge, service } = edgeAndService();
    const plan = planMessages(edge, {
      callers: FAULT_CALLERS,
      perCaller: FAULT_PER_CALLER,
      bad: 0,
      prefix: 'bqf',
    });
    const victim = { id: 'bqf-victim', sub: 'victim-caller' };
    const ledger = new MessageLedger([...plan, { ...victim, kind: 'good' }]);
    const queue = new Queue('faults', {
      connection: connection(),
      defaultJobOptions: { attempts: 3 },
    });
    cleanup.push(() => queue.close());
    installQueuePassport(edge.relay, queue, { propagateTo: ['faults'] });
    const startedAt = Date.now();

    const child = startChildConsumer(childEnv(edge, 'bullmq', redis.url, 'faults'));
    cleanup.push(() => child.kill());
    await child.ready;
    await edge.relay.run({ sub: victim.sub }, () => queue.add('m', victim));
    expect(await child.handling).toEqual(victim);
    await child.kill();

    workers('faults', service, ledger, 2, true);
    let restarted = false;
    await produce(edge, plan, 50, async (body) => {
      if (!restarted && body.id === plan[Math.floor(plan.length / 3)]!.id) {
        restarted = true;
        await redis.restart();
      }
      return queue.add('m', body);
    });
    expect(restarted).toBe(true);
    await until(
      () => ledger.settled(plan) && ledger.handlings.has(victim.id),
      300_000,
      () => `${ledger.handlings.size} handled`,
    );
    const summary = expectNoLoss(ledger, plan, victim);
    report('bullmq', 'faults (worker SIGKILLed mid-job, Redis restarted)', summary, startedAt);
  });
});

// ---------------------------------------------------------------------------------------------
describe('RabbitMQ through amqplib', () => {
  let rabbit: BrokerServer;

  /** A confirm channel that reconnects after a broker restart, with the passport installed. */
  function resilientPublisher(edge: TestRelay, queue: string) {
    let current: Promise<ConfirmChannel> | undefined;
    const channel = () => {
      current ??= (async () => {
        const model = await amqplib.connect(rabbit.url);
        model.on('error', () => {});
        const confirm = await model.createConfirmChannel();
        confirm.on('error', () => {});
        installChannelPassport(edge.relay, confirm, { propagateTo: [`queue:${queue}`] });
        model.once('close', () => {
          current = undefined;
        });
        cleanup.push(() => model.close());
        return confirm;
      })().catch((error) => {
        current = undefined;
        throw error;
      });
      return current;
    };
    return async function publish(body: MessageBody, passport: string | undefined) {
      for (;;) {
        try {
          const confirm = await channel();
          await new Promise<void>((resolve, reject) =>
            confirm.sendToQueue(
              queue,
              Buffer.from(JSON.stringify(body)),
              { persistent: true, ...(passport === undefined ? {} : { headers: { passport } }) },
              (error) => (error ? reject(error) : resolve()),
            ),
          );
          return;
        } catch {
          await sleep(250); // the broker is restarting: publish again (at least once)
        }
      }
    };
  }

  /** `count` consumers that reconnect after a broker restart. */
  function resilientConsumers(service: Relay, queue: string, ledger: MessageLedger, count: number) {
    let stopped = false;
    cleanup.push(async () => {
      stopped = true;
    });
    const consumeOnce = async () => {
      const model: ChannelModel = await amqplib.connect(rabbit.url);
      model.on('error', () => {});
      cleanup.push(() => model.close());
      const channel: Channel = await model.createChannel();
      channel.on('error', () => {});
      await channel.prefetch(25);
      await consumeWithPassport(
        service,
        channel,
        queue,
        async (message) => {
          await yieldToLoop();
          ledger.handled(
            JSON.parse(message.content.toString()),
            service,
            message.fields.redelivered,
          );
        },
        {
          onRefused: (error, message) =>
            ledger.refused(JSON.parse(message.content.toString()).id, error.code),
        },
      );
      await new Promise((resolve) => model.once('close', resolve));
    };
    for (let i = 0; i < count; i++) {
      void (async () => {
        while (!stopped) {
          await consumeOnce().catch(() => undefined);
          if (!stopped) await sleep(250);
        }
      })();
    }
  }

  async function declare(queue: string) {
    const model = await amqplib.connect(rabbit.url);
    const channel = await model.createChannel();
    await channel.assertExchange(`${queue}.dlx`, 'fanout', { durable: true });
    await channel.assertQueue(`${queue}.dead`, { durable: true });
    await channel.bindQueue(`${queue}.dead`, `${queue}.dlx`, '');
    await channel.assertQueue(queue, { durable: true, deadLetterExchange: `${queue}.dlx` });
    return {
      deadLetters: async () => (await channel.checkQueue(`${queue}.dead`)).messageCount,
      close: () => model.close(),
    };
  }

  it('isolation: 10,000 messages from 500 callers, 4 consumers', { timeout: SLOW }, async () => {
    rabbit = await startRabbitMqServer();
    cleanup.push(() => rabbit.close());
    const { edge, service } = edgeAndService();
    const plan = planMessages(edge, {
      callers: CALLERS,
      perCaller: PER_CALLER,
      bad: BAD_EACH,
      prefix: 'mq',
    });
    const ledger = new MessageLedger(plan);
    const queues = await declare('isolation');
    const startedAt = Date.now();
    resilientConsumers(service, 'isolation', ledger, CONSUMERS);
    await produce(edge, plan, 200, resilientPublisher(edge, 'isolation'));
    await until(
      () => ledger.settled(plan),
      300_000,
      () => `${ledger.handlings.size} handled, ${ledger.refusals.size} refused`,
    );
    const summary = expectIsolation(ledger, plan);
    // dead-lettering is asynchronous to the nack: wait for the count to arrive
    let dead = await queues.deadLetters();
    for (let i = 0; i < 40 && dead < 2 * BAD_EACH; i++) {
      await sleep(250);
      dead = await queues.deadLetters();
    }
    expect(dead).toBe(2 * BAD_EACH);
    report('rabbitmq', 'isolation', { ...summary, deadLettered: dead }, startedAt);
    await queues.close();
  });

  it('faults: a consumer killed mid-message and RabbitMQ restarted mid-run lose nothing', {
    timeout: SLOW,
  }, async () => {
    const { edge, service } = edgeAndService();
    const plan = planMessages(edge, {
      callers: FAULT_CALLERS,
      perCaller: FAULT_PER_CALLER,
      bad: 0,
      prefix: 'mqf',
    });
    const victim = { id: 'mqf-victim', sub: 'victim-caller' };
    const ledger = new MessageLedger([...plan, { ...victim, kind: 'good' }]);
    const queues = await declare('faults');
    await queues.close();
    const publish = resilientPublisher(edge, 'faults');
    const startedAt = Date.now();

    const child = startChildConsumer(childEnv(edge, 'amqp', rabbit.url, 'faults'));
    cleanup.push(() => child.kill());
    await child.ready;
    await edge.relay.run({ sub: victim.sub }, () => publish(victim, undefined));
    expect(await child.handling).toEqual(victim);
    await child.kill();

    resilientConsumers(service, 'faults', ledger, 2);
    let restart: Promise<void> | undefined;
    await produce(edge, plan, 50, async (body) => {
      if (restart === undefined && body.id === plan[Math.floor(plan.length / 3)]!.id) {
        restart = rabbit.restart();
      }
      return publish(body, undefined);
    });
    await restart;
    await until(
      () => ledger.settled(plan) && ledger.handlings.has(victim.id),
      300_000,
      () => `${ledger.handlings.size} handled`,
    );
    const summary = expectNoLoss(ledger, plan, victim);
    report(
      'rabbitmq',
      'faults (consumer SIGKILLed mid-message, RabbitMQ restarted)',
      summary,
      startedAt,
    );
  });
});

// ---------------------------------------------------------------------------------------------
describe('NATS', () => {
  let nats: BrokerServer;

  async function natsConnection(): Promise<NatsConnection> {
    const nc = await connect({
      servers: nats.url,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 200,
    });
    cleanup.push(() => nc.close());
    return nc;
  }

  it('isolation: 10,000 requests from 500 callers, 4 subscribers in a queue group', {
    timeout: SLOW,
  }, async () => {
    nats = await startNatsServer();
    cleanup.push(() => nats.close());
    const { edge, service } = edgeAndService();
    const plan = planMessages(edge, {
      callers: CALLERS,
      perCaller: PER_CALLER,
      bad: BAD_EACH,
      prefix: 'nt',
    });
    const ledger = new MessageLedger(plan);
    for (let i = 0; i < CONSUMERS; i++) {
      const nc = await natsConnection();
      subscribeWithPassport(
        service,
        nc,
        'orders.isolation',
        async (msg) => {
          await yieldToLoop();
          ledger.handled(msg.json<MessageBody>(), service);
          msg.respond(text.encode('ok'));
        },
        { queue: 'workers' },
      );
      await nc.flush();
    }
    const producer = await natsConnection();
    installNatsPassport(edge.relay, producer, { propagateTo: ['orders.>'] });
    const startedAt = Date.now();
    await produce(edge, plan, 200, async (body, passport) => {
      const headers = natsHeaders();
      if (passport !== undefined) headers.set('passport', passport);
      const reply = await producer.request('orders.isolation', JSON.stringify(body), {
        timeout: 60_000,
        headers,
      });
      const refusal = refusalOf(reply);
      if (refusal !== undefined) ledger.refused(body.id, refusal.code);
    });
    expect(ledger.settled(plan)).toBe(true);
    report('nats', 'isolation (request/reply)', expectIsolation(ledger, plan), startedAt);
  });

  it('faults: a JetStream consumer killed mid-message and NATS restarted mid-run lose nothing', {
    timeout: SLOW,
  }, async () => {
    const { edge, service } = edgeAndService();
    const plan = planMessages(edge, {
      callers: FAULT_CALLERS,
      perCaller: FAULT_PER_CALLER,
      bad: 0,
      prefix: 'ntf',
    });
    const victim = { id: 'ntf-victim', sub: 'victim-caller' };
    const ledger = new MessageLedger([...plan, { ...victim, kind: 'good' }]);
    const admin = await natsConnection();
    const jsm = await admin.jetstreamManager();
    await jsm.streams.add({ name: 'FAULTS', subjects: ['faults.>'] });
    await jsm.consumers.add('FAULTS', {
      durable_name: 'workers',
      ack_policy: AckPolicy.Explicit,
      ack_wait: 2_000_000_000,
      max_deliver: 10,
    });
    const producer = await natsConnection();
    installNatsPassport(edge.relay, producer, { propagateTo: ['faults.>'] });
    const js = producer.jetstream();
    const publish = async (body: MessageBody) => {
      for (;;) {
        try {
          // msgID: a publish retried across the restart is stored once
          await js.publish('faults.order', JSON.stringify(body), { msgID: body.id, timeout: 5000 });
          return;
        } catch {
          await sleep(250);
        }
      }
    };
    const startedAt = Date.now();

    const child = startChildConsumer(childEnv(edge, 'nats', nats.url, 'FAULTS/workers'));
    cleanup.push(() => child.kill());
    await child.ready;
    await edge.relay.run({ sub: victim.sub }, () => publish(victim));
    expect(await child.handling).toEqual(victim);
    await child.kill();

    let stopped = false;
    cleanup.push(async () => {
      stopped = true;
    });
    const handle = jetStreamHandler(service, async (msg: JsMsg) => {
      await yieldToLoop();
      ledger.handled(msg.json<MessageBody>(), service, msg.info.redeliveryCount > 1);
    });
    for (let i = 0; i < 2; i++) {
      const nc = await natsConnection();
      void (async () => {
        while (!stopped) {
          try {
            const consumer = await nc.jetstream().consumers.get('FAULTS', 'workers');
            const batch = await consumer.fetch({ max_messages: 50, expires: 1000 });
            for await (const msg of batch) await handle(msg);
          } catch {
            await sleep(200); // NATS is restarting; fetch again
          }
        }
      })();
    }
    let restart: Promise<void> | undefined;
    await produce(edge, plan, 50, async (body) => {
      if (restart === undefined && body.id === plan[Math.floor(plan.length / 3)]!.id) {
        restart = nats.restart();
      }
      return publish(body);
    });
    await restart;
    await until(
      () => ledger.settled(plan) && ledger.handlings.has(victim.id),
      300_000,
      () => `${ledger.handlings.size} handled`,
    );
    const summary = expectNoLoss(ledger, plan, victim);
    report(
      'nats',
      'faults (JetStream consumer SIGKILLed mid-message, NATS restarted)',
      summary,
      startedAt,
    );
  });
});
