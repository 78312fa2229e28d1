import {
  compileNamePolicy,
  type MessageConsumePolicy,
  type MessageConsumePolicyOptions,
  messageConsumePolicy,
  type PassportError,
} from '@passport-relay/core';
import { optionError, propagateToOption } from '@passport-relay/core/adapter';
import type { ConsumeMessage, Options } from 'amqplib';

/**
 * Options of {@link installChannelPassport}.
 * @example
 * ```ts
 * const options: ChannelPassportOptions = { propagateTo: ['exchange:orders/order.*', 'queue:emails'] };
 * ```
 */
export interface ChannelPassportOptions {
  /**
   * Where published messages may carry the passport. Required; everything not listed is denied.
   *
   * - `"exchange:orders"`: any routing key on the `orders` exchange
   * - `"exchange:orders/order.*"`: routing keys matching the pattern (`*` one word, `>` last for
   *   the rest)
   * - `"queue:emails"`, `"queue:jobs.*"`: `sendToQueue` (the default exchange) to those queues
   * - `"exchange:*"`: every named exchange
   */
  readonly propagateTo: readonly string[];
}

/**
 * Options of {@link consumeWithPassport}: the consume-time policy and the consumer's own.
 * @example
 * ```ts
 * const options: ConsumeWithPassportOptions = { maxMessageAgeSeconds: 600, consume: { exclusive: true } };
 * ```
 */
export interface ConsumeWithPassportOptions extends MessageConsumePolicyOptions {
  /** amqplib's consume options. `noAck` cannot be true: a refused message is rejected. */
  readonly consume?: Omit<Options.Consume, 'noAck'>;
  /**
   * Called after a message was refused and rejected (dead-lettered if the queue has a
   * dead-letter exchange, dropped otherwise). Never given the token.
   */
  readonly onRefused?: (error: PassportError, message: ConsumeMessage) => void;
}

/**
 * A compiled `propagateTo`: one decision per exchange and routing key.
 * @example
 * ```ts
 * resolveChannelOptions({ propagateTo: ['exchange:orders'] }).allows('orders', 'order.created'); // true
 * ```
 */
export interface ExchangePolicy {
  allows(exchange: string, routingKey: string): boolean;
}

const PATTERN = /^(exchange|queue):([^/]+)(?:\/(.+))?$/;

/**
 * Check the producer options once (one function, so core's adapter kit can replace it).
 * @example
 * ```ts
 * const policy = resolveChannelOptions({ propagateTo: ['queue:emails'] });
 * policy.allows('', 'emails'); // true: sendToQueue('emails')
 * ```
 */
export function resolveChannelOptions(options: ChannelPassportOptions | undefined): ExchangePolicy {
  const where = 'installChannelPassport';
  const propagateTo = propagateToOption(
    where,
    options,
    'installChannelPassport(relay, channel, { propagateTo: ["exchange:orders", "queue:emails"] })',
  );
  const rules = propagateTo.map((pattern) => {
    const match = typeof pattern === 'string' ? PATTERN.exec(pattern) : null;
    if (match === null || (match[1] === 'queue' && match[3] !== undefined)) {
      throw optionError(
        where,
        `"${String(pattern)}" is not "exchange:NAME", "exchange:NAME/ROUTING.KEY.PATTERN" or "queue:NAME".`,
      );
    }
    const [, kind, name, keys] = match;
    const names = compileNamePolicy([name!], `${where}: propagateTo`);
    const routingKeys =
      keys === undefined ? undefined : compileNamePolicy([keys], `${where}: propagateTo`);
    return { kind, names, routingKeys };
  });
  return Object.freeze({
    allows(exchange: string, routingKey: string): boolean {
      if (exchange === '') {
        return rules.some((rule) => rule.kind === 'queue' && rule.names.allows(routingKey));
      }
      return rules.some(
        (rule) =>
          rule.kind === 'exchange' &&
          rule.names.allows(exchange) &&
          (rule.routingKeys === undefined || rule.routingKeys.allows(routingKey)),
      );
    },
  });
}

/**
 * Check the consumer options once.
 * @example
 * ```ts
 * resolveConsumeOptions({ required: false }).policy.required; // false
 * ```
 */
export function resolveConsumeOptions(options: ConsumeWithPassportOptions | undefined): {
  readonly policy: MessageConsumePolicy;
  readonly consume: Options.Consume;
  readonly onRefused: ConsumeWithPassportOptions['onRefused'];
} {
  const { consume = {}, onRefused, ...policyOptions } = options ?? {};
  if ((consume as Options.Consume).noAck === true) {
    throw optionError(
      'consumeWithPassport',
      'consume.noAck cannot be true; a refused message must be rejected, not lost.',
    );
  }
  if (onRefused !== undefined && typeof onRefused !== 'function') {
    throw optionError('consumeWithPassport', 'onRefused must be a function.');
  }
  return {
    policy: messageConsumePolicy(policyOptions, 'consumeWithPassport'),
    consume: { ...consume, noAck: false },
    onRefused,
  };
}
