import type { Relay } from '@passport-relay/core';
import { assertRelay, decideMessageHop, installOnce } from '@passport-relay/core/adapter';
import type { Channel, ConfirmChannel, Options } from 'amqplib';
import { type ChannelPassportOptions, resolveChannelOptions } from './options.js';

type Publish = Channel['publish'];
interface Installable {
  publish: Publish;
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
  assertRelay(relay, 'installChannelPassport');
  const policy = resolveChannelOptions(options);
  const target = channel as unknown as Installable;
  return installOnce('amqp', target, target, () => {
    const original = target.publish;

    target.publish = function publish(
      this: Channel,
      exchange: string,
      routingKey: string,
      content: Buffer,
      publishOptions?: Options.Publish,
      ...rest: unknown[]
    ) {
      const destination =
        exchange === '' ? `queue:${routingKey}` : `exchange:${exchange}/${routingKey}`;
      const add = decideMessageHop(relay, destination, policy.allows(exchange, routingKey), {
        has: (name) => publishOptions?.headers?.[name] !== undefined,
      });
      const carried =
        add.length === 0
          ? publishOptions
          : {
              ...publishOptions,
              headers: { ...publishOptions?.headers, ...Object.fromEntries(add) },
            };
      return (original as (...args: unknown[]) => boolean).call(
        this,
        exchange,
        routingKey,
        content,
        carried,
        ...rest,
      );
    } as Publish;

    return () => {
      target.publish = original;
    };
  });
}
