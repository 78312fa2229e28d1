import { channel } from 'node:diagnostics_channel';
import { DIAGNOSTICS_CHANNELS, PassportError, type Relay } from '@passport-relay/core';
import type { Queue } from 'bullmq';
import { type QueuePassportOptions, resolveQueueOptions } from './options.js';

const installed = Symbol.for('passport-relay.bullmq.queue');
const withheld = channel(DIAGNOSTICS_CHANNELS.withheld);

type JobData = Record<string, unknown>;
type AddBulkJobs = Parameters<Queue['addBulk']>[0];

interface Installable {
  readonly name: string;
  add: Queue['add'];
  addBulk: Queue['addBulk'];
  [installed]?: () => void;
}

/**
 * Make every job added to `queue` carry the passport of the code that adds it: the relay's
 * current passport (and forwarded headers) go into the job's data under the relay's header name
 * (`job.data.passport` by default), when `propagateTo` lists the queue. A key the caller set in
 * the data wins. Job data must be a plain object to carry it.
 *
 * Returns the uninstall. Installing twice on one queue is harmless (the second call returns the
 * first uninstall).
 *
 * @example
 * ```ts
 * const emails = new Queue('emails', { connection });
 * installQueuePassport(relay, emails, { propagateTo: ['emails'] });
 * // in a request handler, as the caller:
 * await emails.add('welcome', { to: 'ada@example.com' });
 * ```
 */
export function installQueuePassport(
  relay: Relay,
  queue: Queue,
  options: QueuePassportOptions,
): () => void {
  const policy = resolveQueueOptions(options);
  const target = queue as unknown as Installable;
  const existing = target[installed];
  if (existing !== undefined) return existing;
  const allowed = policy.allows(queue.name);
  const originalAdd = target.add;
  const originalAddBulk = target.addBulk;

  function carry(data: unknown): unknown {
    if (relay.currentContext() === undefined) return data;
    if (!allowed) {
      if (withheld.hasSubscribers) {
        withheld.publish({ destination: queue.name, reason: 'destination-not-allowed' });
      }
      return data;
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      throw new PassportError(
        'ERR_PASSPORT_OPTIONS',
        `Job data for queue "${queue.name}" must be a plain object to carry the passport.`,
      );
    }
    return relay.inject({ ...(data as JobData) });
  }

  target.add = function add(this: Queue, name, data, opts) {
    return originalAdd.call(this, name, carry(data), opts);
  } as Queue['add'];
  target.addBulk = function addBulk(this: Queue, jobs: AddBulkJobs) {
    return originalAddBulk.call(
      this,
      jobs.map((job) => ({ ...job, data: carry(job.data) })),
    );
  } as Queue['addBulk'];

  const uninstall = () => {
    if (target[installed] !== uninstall) return;
    target.add = originalAdd;
    target.addBulk = originalAddBulk;
    delete target[installed];
  };
  target[installed] = uninstall;
  return uninstall;
}
