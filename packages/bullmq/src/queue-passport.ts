import { PassportError, type Relay } from '@passport-relay/core';
import { assertRelay, decideMessageHop, installOnce } from '@passport-relay/core/adapter';
import type { Queue } from 'bullmq';
import { type QueuePassportOptions, resolveQueueOptions } from './options.js';

type JobData = Record<string, unknown>;
type AddBulkJobs = Parameters<Queue['addBulk']>[0];

interface Installable {
  readonly name: string;
  add: Queue['add'];
  addBulk: Queue['addBulk'];
}

/**
 * Make every job added to `queue` carry the passport of the code that adds it: the relay's
 * current passport (and forwarded headers) go into the job's data under the relay's header name
 * (`job.data.passport` by default), when `propagateTo` lists the queue. A key the caller set in
 * the data wins. Job data must be a plain object to carry it.
 *
 * Returns the uninstall. Installing twice on one queue is harmless: one hook, counted by core's
 * `installOnce`, removed when the last uninstall is called.
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
  assertRelay(relay, 'installQueuePassport');
  const policy = resolveQueueOptions(options);
  const target = queue as unknown as Installable;
  return installOnce('bullmq', target, target, () => {
    const allowed = policy.allows(queue.name);
    const originalAdd = target.add;
    const originalAddBulk = target.addBulk;

    function carry(data: unknown): unknown {
      const plain = typeof data === 'object' && data !== null && !Array.isArray(data);
      const add = decideMessageHop(relay, queue.name, allowed, {
        has: (name) => plain && Object.hasOwn(data, name),
      });
      if (add.length === 0) return data;
      if (!plain) {
        throw new PassportError(
          'ERR_PASSPORT_OPTIONS',
          `Job data for queue "${queue.name}" must be a plain object to carry the passport.`,
        );
      }
      return { ...(data as JobData), ...Object.fromEntries(add) };
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

    return () => {
      target.add = originalAdd;
      target.addBulk = originalAddBulk;
    };
  });
}
