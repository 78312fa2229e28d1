import { channel as diagnosticsChannel } from 'node:diagnostics_channel';
import { DIAGNOSTICS_CHANNELS, type Relay } from '@passport-relay/core';
import type { Channel, ConfirmChannel, Options } from 'amqplib';
import { type ChannelPassportOptions, resolveChannelOptions } from './options.js';

const installed = Symbol.for('passport-relay.amqp.channel');
const withheld = diagnosticsChannel(DIAGNOSTICS_CHANNELS.withheld);

type Publish = Channel['publish'];
interface Installable {
  publish: Publish;
  [installed]?: () => void;
}

/**
 * Make every message published on `channel` (`publish` and `sendToQueue`, confirm channels too)
 * carry the current passport and forwarded headers in its AMQP headers, when `propagateTo` allows
 * the exchange and routing key. A header the caller set wins. Returns the uninstall; installing
 * twice on one channel is harmless.
 *
 * @example
 * ```ts
 * const channel = await connection.createConfirmChannel();
 * installChannelPassport(relay, channel, { propagateTo: ['exchange:orders', 'queue:emails'] });
 * channel.publish('orders', 'order.created', Buffer.from(body)); // as the current caller
 * ```
 */
export function installChannelPassport(
  relay: Relay,
  channel: Channel | ConfirmChannel,
  options: ChannelPassportOptions,
): () => void {
  const policy = resolveChannelOptions(options);
  const target = channel as unknown as Installable;
  const existing = target[installed];
  if (existing !== undefined) return existing;
  const original = target.publish;

  target.publish = function publish(
    this: Channel,
    exchange: string,
    routingKey: string,
    content: Buffer,
    publishOptions?: Options.Publish,
    ...rest: unknown[]
  ) {
    let carried = publishOptions;
    if (relay.currentContext() !== undefined) {
      if (policy.allows(exchange, routingKey)) {
        carried = { ...publishOptions, headers: relay.inject({ ...publishOptions?.headers }) };
      } else if (withheld.hasSubscribers) {
        withheld.publish({
          destination:
            exchange === '' ? `queue:${routingKey}` : `exchange:${exchange}/${routingKey}`,
          reason: 'destination-not-allowed',
        });
      }
    }
    return (original as (...args: unknown[]) => boolean).call(
      this,
      exchange,
      routingKey,
      content,
      carried,
      ...rest,
    );
  } as Publish;

  const uninstall = () => {
    if (target[installed] !== uninstall) return;
    target.publish = original;
    delete target[installed];
  };
  target[installed] = uninstall;
  return uninstall;
}
