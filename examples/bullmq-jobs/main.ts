/**
 * BullMQ: a request handler adds a job; the worker runs it as the user who added it. A job with a
 * forged passport fails at once (never retried, the processor never runs) and the worker goes on.
 *
 *   node --import tsx main.ts        (or: pnpm --filter @passport-relay-examples/bullmq-jobs start)
 *
 * Uses REDIS_URL when set; otherwise starts a redis-server of its own on a free loopback port
 * (Debian: apt-get install redis-server). Exits 0 when everything behaved, 1 otherwise.
 */
import { generateKeyPairSync } from 'node:crypto';
import {
  installQueuePassport,
  PassportJobRefusedError,
  passportProcessor,
} from '@passport-relay/bullmq';
import { createRelay, signedCodec } from '@passport-relay/core';
import { startRedisServer } from '@passport-relay/testing';
import { type Job, Queue, Worker } from 'bullmq';

// 1. Keys: the edge signs with the private key; services verify with the public key only.
const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const issuer = 'https://edge.example';
const keys = [{ alg: 'EdDSA' as const, kid: 'edge-1', key: publicKey }];
const edge = createRelay({
  codec: signedCodec({
    issuer,
    keys,
    signingKey: { alg: 'EdDSA', kid: 'edge-1', key: privateKey },
  }),
});
// 2. The services' relay (the web service that adds jobs and the worker share it here).
const relay = createRelay({ codec: signedCodec({ issuer, keys }) });

// 3. Redis: yours, or one started for this example.
const ownRedis = process.env.REDIS_URL === undefined ? await startRedisServer() : undefined;
const redisUrl = new URL(process.env.REDIS_URL ?? ownRedis!.url);
const connection = {
  host: redisUrl.hostname,
  port: Number(redisUrl.port),
  maxRetriesPerRequest: null,
};

// 4. Producer side, once at start-up: jobs added to `emails` carry the adder's passport.
const emails = new Queue('emails', { connection, defaultJobOptions: { attempts: 3 } });
const uninstall = installQueuePassport(relay, emails, { propagateTo: ['emails'] });

// 5. Worker side: the processor runs as the job's caller; a refused passport fails the job.
const outcomes: string[] = [];
const worker = new Worker(
  'emails',
  passportProcessor(relay, async (job: Job<{ to: string }>) => {
    const caller = relay.require();
    console.log(`  worker: sending to ${job.data.to} as sub=${caller.sub} tenant=${caller.tenant}`);
    outcomes.push(`${job.data.to}:${caller.sub}`);
  }),
  { connection, concurrency: 4 },
);
const refused = new Promise<string>((resolve) => {
  worker.on('failed', (job, error) => {
    if (error instanceof PassportJobRefusedError) {
      console.log(
        `  worker: job ${job?.id} refused, ${error.code}, attempts made: ${job?.attemptsMade} of 3`,
      );
      resolve(`${error.code} after ${job?.attemptsMade}`);
    }
  });
});

const problems: string[] = [];
const check = (ok: boolean, problem: string) => {
  if (!ok) problems.push(problem);
};
try {
  console.log('bullmq-jobs: request handler ─queue.add→ Redis ─→ worker (runs as the adder)\n');
  // What a request handler does after an inbound adapter verified the passport: alice and bob at once.
  const users = [
    { sub: 'alice', tenant: 'acme' },
    { sub: 'bob', tenant: 'globex' },
  ];
  const jobs = await Promise.all(
    users.map((user) =>
      relay.runWith(relay.extract({ passport: edge.issue(user) }), () =>
        emails.add('welcome', { to: `${user.sub}@example.com` }),
      ),
    ),
  );
  // A job someone wrote to Redis with a passport signed by another key.
  const { privateKey: strangerKey } = generateKeyPairSync('ed25519');
  const mallory = createRelay({
    codec: signedCodec({
      issuer,
      keys,
      signingKey: { alg: 'EdDSA', kid: 'edge-1', key: strangerKey },
    }),
  });
  await emails.add('welcome', {
    to: 'everyone@example.com',
    passport: mallory.issue({ sub: 'mallory' }),
  });
  const after = await relay.runWith(
    relay.extract({ passport: edge.issue({ sub: 'carol', tenant: 'acme' }) }),
    () => emails.add('welcome', { to: 'carol@example.com' }),
  );

  const verdict = await refused;
  const deadline = Date.now() + 30_000;
  while (outcomes.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  check(jobs.length === 2 && after.id !== undefined, 'jobs were not added');
  check(
    ['alice@example.com:alice', 'bob@example.com:bob', 'carol@example.com:carol'].every((o) =>
      outcomes.includes(o),
    ),
    `each job should run as its adder: ${outcomes.join(', ')}`,
  );
  check(!outcomes.some((o) => o.startsWith('everyone')), 'the forged job ran');
  check(verdict === 'ERR_PASSPORT_SIGNATURE after 1', `the forged job: ${verdict}`);
} catch (error) {
  problems.push(`the example failed: ${String(error)}`);
} finally {
  uninstall();
  await worker.close();
  await emails.close();
  await ownRedis?.close();
}

if (problems.length === 0) {
  console.log('\nOK: every job ran as its adder; the forged one failed once and never ran');
} else {
  console.log(`\nFAILED:\n  ${problems.join('\n  ')}`);
  process.exitCode = 1;
}
