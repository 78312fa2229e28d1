import {
  extractFromMessage,
  isPassportError,
  type Relay,
  type RelayContext,
} from '@passport-relay/core';
import type { Job } from 'bullmq';
import { type PassportProcessorOptions, resolveProcessorOptions } from './options.js';
import { PassportJobRefusedError } from './refused-error.js';

/**
 * A BullMQ processor: what `new Worker(name, processor)` takes.
 * @example
 * ```ts
 * const processor: JobProcessor = async (job) => job.data;
 * ```
 */
export type JobProcessor<J extends Job = Job, R = unknown> = (
  job: J,
  token?: string,
  signal?: AbortSignal,
) => Promise<R>;

/**
 * Wrap a BullMQ processor so that it runs as the job's caller: the passport in the job's data is
 * verified under the consume-time policy before `processor` runs, and `relay.current()` inside it
 * is that caller. A refused passport (forged, malformed, another issuer, expired beyond
 * `maxMessageAgeSeconds`, missing) fails the job with {@link PassportJobRefusedError}, an
 * `UnrecoverableError`, so it is never retried and `processor` never runs. A retry of a job that
 * failed for another reason carries the same passport and is decided again.
 *
 * @example
 * ```ts
 * new Worker(
 *   'emails',
 *   passportProcessor(relay, async (job) => sendWelcome(job.data.to, relay.require().sub)),
 *   { connection },
 * );
 * ```
 */
export function passportProcessor<J extends Job, R>(
  relay: Relay,
  processor: JobProcessor<J, R>,
  options?: PassportProcessorOptions,
): JobProcessor<J, R> {
  const policy = resolveProcessorOptions(options);
  if (typeof processor !== 'function') {
    throw new TypeError('passportProcessor needs the processor function to wrap.');
  }
  return async function processWithPassport(job, token, signal) {
    let context: RelayContext;
    try {
      context = extractFromMessage(relay, job.data as Record<string, unknown>, policy);
    } catch (error) {
      if (isPassportError(error)) throw new PassportJobRefusedError(error);
      throw error;
    }
    return relay.runWith(context, () => processor(job, token, signal));
  };
}
