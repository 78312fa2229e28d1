import {
  type MessageConsumePolicy,
  type MessageConsumePolicyOptions,
  messageConsumePolicy,
  type NamePolicy,
} from '@passport-relay/core';
import { namePolicyOption } from '@passport-relay/core/adapter';

/**
 * Options of {@link installQueuePassport}.
 * @example
 * ```ts
 * const options: QueuePassportOptions = { propagateTo: ['emails', 'billing.*'] };
 * ```
 */
export interface QueuePassportOptions {
  /**
   * Queue names whose jobs may carry the passport: exact names, `*` for one dot-separated segment,
   * `>` last for the rest (`["emails", "billing.*"]`). Required: a queue name says nothing about
   * who reads the queue, so only you can list the ones inside your trust domain. A queue not
   * listed gets its jobs without the passport.
   */
  readonly propagateTo: readonly string[];
}

/**
 * Options of {@link passportProcessor}: the consume-time policy.
 * @example
 * ```ts
 * const options: PassportProcessorOptions = { maxMessageAgeSeconds: 600 };
 * ```
 */
export interface PassportProcessorOptions extends MessageConsumePolicyOptions {}

/**
 * Check the producer options once (one function, so core's adapter kit can replace it).
 * @example
 * ```ts
 * const policy = resolveQueueOptions({ propagateTo: ['emails'] });
 * policy.allows('emails'); // true
 * ```
 */
export function resolveQueueOptions(options: QueuePassportOptions | undefined): NamePolicy {
  return namePolicyOption(
    'installQueuePassport',
    options,
    'installQueuePassport(relay, queue, { propagateTo: ["emails"] })',
  );
}

/**
 * Check the worker options once.
 * @example
 * ```ts
 * resolveProcessorOptions({ maxMessageAgeSeconds: 600 }).maxMessageAgeSeconds; // 600
 * ```
 */
export function resolveProcessorOptions(
  options: PassportProcessorOptions | undefined,
): MessageConsumePolicy {
  return messageConsumePolicy(options ?? {}, 'passportProcessor');
}
