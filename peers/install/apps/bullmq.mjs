// The bullmq README's quick start: a request adds a job; the worker runs it as the adder.
import { installQueuePassport, passportProcessor } from '@passport-relay/bullmq';
import { createRelay, signedCodec } from '@passport-relay/core';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { coreServer, PUBLIC_KEYS } from './common.mjs';

const relay = createRelay({
  codec: signedCodec({ issuer: 'https://edge.example', keys: PUBLIC_KEYS }),
});
const url = new URL(process.env.REDIS_URL);
const connection = { host: url.hostname, port: Number(url.port), maxRetriesPerRequest: null };
const queue = new Queue('emails', { connection });
installQueuePassport(relay, queue, { propagateTo: ['emails'] });
new Worker(
  'emails',
  passportProcessor(relay, async () => ({ owner: relay.require().sub })),
  { connection },
);
const events = new QueueEvents('emails', { connection });
await events.waitUntilReady();
coreServer(relay, async () => {
  const job = await queue.add('welcome', { to: 'someone' });
  return job.waitUntilFinished(events, 30_000);
});
