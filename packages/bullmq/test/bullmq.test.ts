import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { DIAGNOSTICS_CHANNELS, type PassportFields } from '@passport-relay/core';
import {
  agedPassport,
  type BrokerServer,
  createTestRelay,
  startRedisServer,
  type TestRelay,
} from '@passport-relay/testing';
import { type Job, Queue, Worker } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { installQueuePassport, PassportJobRefusedError, passportProcessor } from '../src/index.js';

let redis: BrokerServer;
let queueCount = 0;
const open: { close(): Promise<unknown> }[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((closable) => closable.close()));
});
afterAll(async () => {
  await redis?.close();
});

const connection = () => ({ host: redis.host, port: redis.port, maxRetriesPerRequest: null });

interface Outcome {
  readonly state: 'completed' | 'failed';
  readonly job: Job;
  readonly error?: Error;
}

/** A queue and a worker on a fresh queue name, and a way to wait for each job's outcome. */
function queueAndWorker(
  processor: ConstructorParameters<typeof Worker>[1],
  name = `jobs${++queueCount}`,
) {
  const queue = new Queue(name, { connection: connection() });
  const worker = new Worker(name, processor, { connection: connection(), concurrency: 4 });
  open.push(worker, queue);
  const outcomes = new Map<string, Outcome>();
  const waiters = new Map<string, (outcome: Outcome) => void>();
  const settle = (outcome: Outcome) => {
    outcomes.set(outcome.job.id!, outcome);
    waiters.get(outcome.job.id!)?.(outcome);
  };
  worker.on('completed', (job) => settle({ state: 'completed', job }));
  worker.on('failed', (job, error) => {
    if (job !== undefined && job.finishedOn !== undefined) settle({ state: 'failed', job, error });
  });
  const outcomeOf = (job: Job) =>
    new Promise<Outcome>((resolve) => {
      const known = outcomes.get(job.id!);
      if (known !== undefined) resolve(known);
      else waiters.set(job.id!, resolve);
    });
  return { queue, worker, outcomeOf };
}

describe('a job carries the passport of the code that added it', () => {
  it('runs the processor as the caller who added the job', async () => {
    const { relay } = createTestRelay();
    const seen: (string | undefined)[] = [];
    const { queue, outcomeOf } = queueAndWorker(
      passportProcessor(relay, async (job: Job) => {
        seen.push(`${job.data.n}:${relay.current()?.sub}`);
        return relay.require().sub;
      }),
    );
    installQueuePassport(relay, queue, { propagateTo: [queue.name] });
    const jobs = await Promise.all(
      ['ada', 'grace', 'linus'].map((sub, n) => relay.run({ sub }, () => queue.add('j', { n }))),
    );
    const outcomes = await Promise.all(jobs.map(outcomeOf));
    expect(outcomes.map((outcome) => outcome.job.returnvalue)).toEqual(['ada', 'grace', 'linus']);
    expect(seen.sort()).toEqual(['0:ada', '1:grace', '2:linus']);
  });

  it('carries it through addBulk, and leaves a key the caller set alone', async () => {
    const test = createTestRelay();
    const { relay } = test;
    const { queue, outcomeOf } = queueAndWorker(
      passportProcessor(relay, async () => relay.current()?.sub),
    );
    installQueuePassport(relay, queue, { propagateTo: ['>'] });
    const own = relay.issue({ sub: 'explicit' });
    const jobs = await relay.run({ sub: 'bulk' }, () =>
      queue.addBulk([
        { name: 'a', data: {} },
        { name: 'b', data: { passport: own } },
      ]),
    );
    const outcomes = await Promise.all(jobs.map(outcomeOf));
    expect(outcomes.map((outcome) => outcome.job.returnvalue)).toEqual(['bulk', 'explicit']);
  });

  it('withholds the passport from a queue propagateTo does not list, and says so', async () => {
    const { relay } = createTestRelay();
    let ran = 0;
    const { queue, outcomeOf } = queueAndWorker(
      passportProcessor(relay, async () => {
        ran++;
      }),
    );
    installQueuePassport(relay, queue, { propagateTo: ['emails', 'billing.*'] });
    const withheld: unknown[] = [];
    const listener = (message: unknown) => withheld.push(message);
    subscribe(DIAGNOSTICS_CHANNELS.withheld, listener);
    try {
      const job = await relay.run({ sub: 'ada' }, () => queue.add('j', { n: 1 }));
      expect(job.data).toEqual({ n: 1 });
      const outcome = await outcomeOf(job);
      expect(outcome.state).toBe('failed');
      expect((outcome.error as PassportJobRefusedError).code).toBe('ERR_PASSPORT_MISSING');
    } finally {
      unsubscribe(DIAGNOSTICS_CHANNELS.withheld, listener);
    }
    expect(ran).toBe(0);
    expect(withheld).toEqual([{ destination: queue.name, reason: 'destination-not-allowed' }]);
  });

  it('adds jobs unchanged outside any caller, and runs them anonymously when allowed', async () => {
    const { relay } = createTestRelay();
    const { queue, outcomeOf } = queueAndWorker(
      passportProcessor(relay, async () => relay.current()?.sub ?? 'nobody', { required: false }),
    );
    installQueuePassport(relay, queue, { propagateTo: ['>'] });
    const job = await queue.add('j', 'plain string data');
    expect((await outcomeOf(job)).job.returnvalue).toBe('nobody');
  });
});

describe('the worker refuses a bad passport: the job fails once, typed, and the processor never runs', () => {
  const cases: [string, (test: TestRelay) => unknown, string][] = [
    [
      'signed by another key',
      () => createTestRelay().relay.issue({ sub: 'mallory' }),
      'ERR_PASSPORT_SIGNATURE',
    ],
    [
      'from another issuer',
      () => createTestRelay({ issuer: 'https://evil.test' }).relay.issue({ sub: 'm' }),
      'ERR_PASSPORT_SIGNATURE',
    ],
    ['malformed', () => 'not-a-token', 'ERR_PASSPORT_MALFORMED'],
    ['an object, not a string', () => ({ sub: 'mallory' }), 'ERR_PASSPORT_MALFORMED'],
    [
      'expired beyond the message age',
      (test) => agedPassport(test, { sub: 'm' }, { issuedSecondsAgo: 7200 }),
      'ERR_PASSPORT_EXPIRED',
    ],
  ];
  it.each(cases)('%s', async (_name, makePassport, code) => {
    const test = createTestRelay();
    const { relay } = test;
    const ran: string[] = [];
    const { queue, outcomeOf } = queueAndWorker(
      passportProcessor(relay, async (job: Job) => {
        ran.push(job.data.n);
      }),
    );
    const bad = await queue.add('j', { n: 'bad', passport: makePassport(test) }, { attempts: 5 });
    const good = await queue.add('j', { n: 'good', passport: relay.issue({ sub: 'ada' }) });
    const outcome = await outcomeOf(bad);
    expect(outcome.state).toBe('failed');
    expect(outcome.error).toBeInstanceOf(PassportJobRefusedError);
    expect((outcome.error as PassportJobRefusedError).code).toBe(code);
    expect(outcome.job.attemptsMade).toBe(1);
    expect(outcome.job.failedReason.startsWith(`${code}: `)).toBe(true);
    expect((await outcomeOf(good)).state).toBe('completed');
    expect(ran).toEqual(['good']);
  });
});

describe('consume-time policy', () => {
  it('runs a job whose passport expired while it waited, within maxMessageAgeSeconds', async () => {
    const test = createTestRelay();
    const { relay } = test;
    const { queue, outcomeOf } = queueAndWorker(
      passportProcessor(relay, async () => relay.require().sub, { maxMessageAgeSeconds: 1200 }),
    );
    const passport = agedPassport(test, { sub: 'late' }, { issuedSecondsAgo: 900 });
    const job = await queue.add('j', { passport });
    expect((await outcomeOf(job)).job.returnvalue).toBe('late');
  });

  it('refuses that job with maxMessageAgeSeconds: 0', async () => {
    const test = createTestRelay();
    const { relay } = test;
    const { queue, outcomeOf } = queueAndWorker(
      passportProcessor(relay, async () => relay.require().sub, { maxMessageAgeSeconds: 0 }),
    );
    const passport = agedPassport(test, { sub: 'late' }, { issuedSecondsAgo: 900 });
    const outcome = await outcomeOf(await queue.add('j', { passport }));
    expect((outcome.error as PassportJobRefusedError).code).toBe('ERR_PASSPORT_EXPIRED');
  });

  it('retries a job that failed in business code with its original passport', async () => {
    const { relay } = createTestRelay<PassportFields>();
    const attempts: string[] = [];
    const { queue, outcomeOf } = queueAndWorker(
      passportProcessor(relay, async (job: Job) => {
        attempts.push(`${job.attemptsMade}:${relay.require().sub}`);
        if (job.attemptsMade < 2) throw new Error('flaky');
        return 'done';
      }),
    );
    installQueuePassport(relay, queue, { propagateTo: [queue.name] });
    const job = await relay.run({ sub: 'ada' }, () => queue.add('j', {}, { attempts: 3 }));
    expect((await outcomeOf(job)).job.returnvalue).toBe('done');
    expect(attempts).toEqual(['0:ada', '1:ada', '2:ada']);
  });
});

describe('install', () => {
  it('checks options at install, saying how to fix them', () => {
    const { relay } = createTestRelay();
    const queue = new Queue('options', { connection: connection() });
    open.push(queue);
    expect(() => installQueuePassport(relay, queue, {} as never)).toThrow(/propagateTo/);
    expect(() => installQueuePassport(relay, queue, { propagateTo: ['a b'] })).toThrow(
      /not a name pattern/,
    );
    expect(() =>
      installQueuePassport(relay, queue, { propagateTo: [], extra: 1 } as never),
    ).toThrow(/unknown option "extra"/);
    expect(() => passportProcessor(relay, async () => 1, { maxMessageAgeSeconds: -5 })).toThrow(
      /maxMessageAgeSeconds/,
    );
  });

  it('is harmless twice and uninstalls', async () => {
    const { relay } = createTestRelay();
    const queue = new Queue('install', { connection: connection() });
    open.push(queue);
    const add = queue.add;
    const uninstall = installQueuePassport(relay, queue, { propagateTo: ['install'] });
    // A second install only holds the first: its uninstall leaves the hook to the first one's.
    installQueuePassport(relay, queue, { propagateTo: ['install'] })();
    expect(queue.add).not.toBe(add);
    const job = await relay.run({ sub: 'ada' }, () => queue.add('j', {}));
    expect(typeof job.data.passport).toBe('string');
    uninstall();
    expect(queue.add).toBe(add);
    const plain = await relay.run({ sub: 'ada' }, () => queue.add('j', {}));
    expect(plain.data).toEqual({});
    await queue.obliterate({ force: true });
  });
});
