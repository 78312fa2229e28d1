import {
  extractFromMessage,
  isPassportError,
  type PassportError,
  type Relay,
  type RelayContext,
} from '@passport-relay/core';
import type { Channel, ConsumeMessage, Replies } from 'amqplib';
import { type ConsumeWithPassportOptions, resolveConsumeOptions } from './options.js';

/**
 * Consume `queue` with every message's passport verified before `handler` runs, and `handler`
 * run as that caller (`relay.current()`).
 *
 * - accepted: `handler` runs; the message is acked when it resolves
 * - refused (forged, malformed, another issuer, expired beyond `maxMessageAgeSeconds`, missing):
 *   `nack` without requeue, so the broker dead-letters it (give the queue a dead-letter exchange)
 *   or drops it; `handler` never runs; consuming goes on
 * - `handler` throws: requeued once (the broker redelivers it with its original headers, and its
 *   passport is decided again), dead-lettered the second time: never retried forever
 *
 * Returns amqplib's consume reply (`consumerTag`, to `channel.cancel` it).
 *
 * @example
 * ```ts
 * await consumeWithPassport(relay, channel, 'emails', async (message) => {
 *   await sendWelcome(JSON.parse(message.content.toString()), relay.require().sub);
 * });
 * ```
 */
export function consumeWithPassport(
  relay: Relay,
  channel: Channel,
  queue: string,
  handler: (message: ConsumeMessage) => unknown,
  options?: ConsumeWithPassportOptions,
): Promise<Replies.Consume> {
  const { policy, consume, onRefused } = resolveConsumeOptions(options);
  if (typeof handler !== 'function') {
    throw new TypeError('consumeWithPassport needs the handler function.');
  }
  return channel.consume(
    queue,
    (message) => {
      if (message === null) return; // the broker cancelled the consumer
      let context: RelayContext;
      try {
        context = extractFromMessage(relay, message.properties.headers ?? {}, policy);
      } catch (error) {
        if (!isPassportError(error)) throw error;
        settle(() => channel.nack(message, false, false));
        onRefused?.(error as PassportError, message);
        return;
      }
      void Promise.resolve()
        .then(() => relay.runWith(context, () => handler(message)))
        .then(
          () => settle(() => channel.ack(message)),
          () => settle(() => channel.nack(message, false, !message.fields.redelivered)),
        );
    },
    consume,
  );
}

/**
 * Ack or nack, ignoring a channel that closed meanwhile (a broker restart): the broker redelivers
 * every unacked message, so nothing is lost.
 */
function settle(action: () => void): void {
  try {
    action();
  } catch {
    // channel closed: the message is redelivered
  }
}
