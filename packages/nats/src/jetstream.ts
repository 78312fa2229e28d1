import {
  extractFromMessage,
  isPassportError,
  type PassportError,
  type Relay,
  type RelayContext,
} from '@passport-relay/core';
import type { JsMsg } from 'nats';
import { carrierOf } from './headers-carrier.js';
import { type NatsConsumeOptions, resolveNatsConsumeOptions } from './options.js';

/**
 * Options of {@link jetStreamHandler}.
 * @example
 * ```ts
 * const options: JetStreamHandlerOptions = { maxMessageAgeSeconds: 0 };
 * ```
 */
export interface JetStreamHandlerOptions extends NatsConsumeOptions<JsMsg> {}

/**
 * A handler for JetStream messages (from `consumer.consume()`, `fetch()` or `next()`) that
 * verifies each message's passport before `handler` runs, and runs `handler` as that caller.
 *
 * - accepted: `handler` runs; the message is acked when it resolves
 * - refused: `msg.term()`: JetStream never redelivers it (it publishes a
 *   `$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED` advisory you can dead-letter from); `handler`
 *   never runs
 * - `handler` throws: `msg.nak()`, redelivered with its original headers and decided again,
 *   at most the consumer's `max_deliver` times (set it: JetStream's default is unlimited)
 *
 * @example
 * ```ts
 * const handle = jetStreamHandler(relay, async (msg) => ship(msg.json(), relay.require().sub));
 * for await (const msg of await consumer.consume()) await handle(msg);
 * ```
 */
export function jetStreamHandler(
  relay: Relay,
  handler: (message: JsMsg) => unknown,
  options?: JetStreamHandlerOptions,
): (message: JsMsg) => Promise<void> {
  const { policy, onRefused } = resolveNatsConsumeOptions(options, 'jetStreamHandler');
  if (typeof handler !== 'function') {
    throw new TypeError('jetStreamHandler needs the handler function.');
  }
  return async function handleJetStreamMessage(message) {
    let context: RelayContext;
    try {
      context = extractFromMessage(relay, carrierOf(relay, message.headers), policy);
    } catch (refusal) {
      if (!isPassportError(refusal)) throw refusal;
      message.term();
      onRefused?.(refusal as PassportError, message);
      return;
    }
    try {
      await relay.runWith(context, () => handler(message));
    } catch {
      message.nak();
      return;
    }
    message.ack();
  };
}
