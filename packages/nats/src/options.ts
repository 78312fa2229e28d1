import {
  type MessageConsumePolicy,
  type MessageConsumePolicyOptions,
  messageConsumePolicy,
  type NamePolicy,
  type PassportError,
} from '@passport-relay/core';
import { namePolicyOption, optionError } from '@passport-relay/core/adapter';

/**
 * Options of {@link installNatsPassport}.
 * @example
 * ```ts
 * const options: NatsPassportOptions = { propagateTo: ['orders.>'] };
 * ```
 */
export interface NatsPassportOptions {
  /**
   * Subjects whose messages may carry the passport, in NATS's own wildcard syntax
   * (`"orders.*"`, `"billing.>"`). Required; every other subject is denied. JetStream publishes
   * are requests on the stream's subject, so they follow the same list.
   */
  readonly propagateTo: readonly string[];
}

/**
 * Options of {@link subscribeWithPassport} and {@link jetStreamHandler}.
 * @example
 * ```ts
 * const options: NatsConsumeOptions<Msg> = { onRefused: (error) => log.warn(error.code) };
 * ```
 */
export interface NatsConsumeOptions<M> extends MessageConsumePolicyOptions {
  /** Called after a message was refused (and answered or terminated). Never given the token. */
  readonly onRefused?: (error: PassportError, message: M) => void;
}

/**
 * Check the producer options once (one function, so core's adapter kit can replace it).
 * @example
 * ```ts
 * resolveNatsOptions({ propagateTo: ['orders.*'] }).allows('orders.created'); // true
 * ```
 */
export function resolveNatsOptions(options: NatsPassportOptions | undefined): NamePolicy {
  return namePolicyOption(
    'installNatsPassport',
    options,
    'installNatsPassport(relay, nc, { propagateTo: ["orders.>"] })',
  );
}

/**
 * Check the consumer options once.
 * @example
 * ```ts
 * resolveNatsConsumeOptions({}, 'jetStreamHandler').policy.maxMessageAgeSeconds; // 3600
 * ```
 */
export function resolveNatsConsumeOptions<M>(
  options: NatsConsumeOptions<M> | undefined,
  where: string,
): {
  readonly policy: MessageConsumePolicy;
  readonly onRefused: NatsConsumeOptions<M>['onRefused'];
} {
  const { onRefused, ...policyOptions } = options ?? {};
  if (onRefused !== undefined && typeof onRefused !== 'function') {
    throw optionError(where, 'onRefused must be a function.');
  }
  return { policy: messageConsumePolicy(policyOptions, where), onRefused };
}
