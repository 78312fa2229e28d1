/**
 * A consumer in its own process, for the "consumer killed mid-message" fault: it consumes with
 * the passport adapter of BROKER, prints `HANDLING <id> <sub>` when a handler starts (already
 * verified, running as the caller), and never finishes it, so the parent can SIGKILL it mid-message.
 *
 * env: BROKER (bullmq | amqp | nats), URL, DESTINATION (queue, or stream/consumer for nats),
 * ISSUER, PUBLIC_JWK (the edge's Ed25519 public key), KID.
 */

import { consumeWithPassport } from '@passport-relay/amqp';
import { passportProcessor } from '@passport-relay/bullmq';
import { createRelay, signedCodec } from '@passport-relay/core';
import { jetStreamHandler } from '@passport-relay/nats';
import amqplib from 'amqplib';
import { Worker } from 'bullmq';
import { connect, type JsMsg } from 'nats';

const env = (name: string) => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`message-consumer: ${name} is not set`);
  return value;
};

const relay = createRelay({
  codec: signedCodec({
    issuer: env('ISSUER'),
    keys: [{ alg: 'EdDSA', kid: env('KID'), key: JSON.parse(env('PUBLIC_JWK')) }],
  }),
});

const hang = () => new Promise<never>(() => {});
const handling = (id: unknown) => {
  process.stdout.write(`HANDLING ${String(id)} ${relay.require().sub}\n`);
};

const broker = env('BROKER');
if (broker === 'bullmq') {
  const url = new URL(env('URL'));
  new Worker(
    env('DESTINATION'),
    passportProcessor(relay, async (job) => {
      handling(job.data.id);
      return hang();
    }),
    {
      connection: { host: url.hostname, port: Number(url.port), maxRetriesPerRequest: null },
      lockDuration: 2000,
      concurrency: 1,
    },
  ).on('error', () => {});
} else if (broker === 'amqp') {
  const connection = await amqplib.connect(env('URL'));
  const channel = await connection.createChannel();
  await channel.prefetch(1);
  await consumeWithPassport(relay, channel, env('DESTINATION'), (message) => {
    handling(JSON.parse(message.content.toString()).id);
    return hang();
  });
} else if (broker === 'nats') {
  const [stream, durable] = env('DESTINATION').split('/') as [string, string];
  const nc = await connect({ servers: env('URL') });
  const consumer = await nc.jetstream().consumers.get(stream, durable);
  const handle = jetStreamHandler(relay, (message) => {
    handling(message.json<{ id: string }>().id);
    return hang();
  });
  process.stdout.write('READY\n');
  const message = await consumer.next({ expires: 60_000 });
  if (message !== null) await handle(message as JsMsg);
} else {
  throw new Error(`message-consumer: unknown BROKER ${broker}`);
}
if (broker !== 'nats') process.stdout.write('READY\n');
