import type { Relay } from '@passport-relay/core';
import { assertRelay, decideMessageHop, installOnce } from '@passport-relay/core/adapter';
import {
  headers as createHeaders,
  type NatsConnection,
  type PublishOptions,
  type RequestOptions,
} from 'nats';
import { type NatsPassportOptions, resolveNatsOptions } from './options.js';

interface Installable {
  publish: NatsConnection['publish'];
  request: NatsConnection['request'];
}

/**
 * Make every message published on `connection` (`publish`, `request`, and JetStream publishes,
 * which are requests) carry the current passport and forwarded headers as NATS headers, when
 * `propagateTo` allows the subject. A header the caller set wins. Returns the uninstall;
 * installing twice on one connection is harmless.
 *
 * @example
 * ```ts
 * const nc = await connect({ servers: 'nats://nats:4222' });
 * installNatsPassport(relay, nc, { propagateTo: ['orders.>'] });
 * nc.publish('orders.created', payload); // carries the current caller's passport
 * ```
 */
export function installNatsPassport(
  relay: Relay,
  connection: NatsConnection,
  options: NatsPassportOptions,
): () => void {
  assertRelay(relay, 'installNatsPassport');
  const policy = resolveNatsOptions(options);
  const target = connection as unknown as Installable;
  return installOnce('nats', target, target, () => {
    const { publish, request } = target;

    function carry<O extends PublishOptions | RequestOptions>(
      subject: string,
      opts: O | undefined,
    ): O | undefined {
      const add = decideMessageHop(relay, subject, policy.allows(subject), {
        has: (name) => opts?.headers?.has(name) === true,
      });
      if (add.length === 0) return opts;
      const headers = opts?.headers ?? createHeaders();
      for (const [name, value] of add) headers.set(name, value);
      return { ...opts, headers } as O;
    }

    target.publish = function publishWithPassport(this: NatsConnection, subject, data, opts) {
      return publish.call(this, subject, data, carry(subject, opts));
    };
    target.request = function requestWithPassport(this: NatsConnection, subject, data, opts) {
      return request.call(this, subject, data, carry(subject, opts));
    };

    return () => {
      target.publish = publish;
      target.request = request;
    };
  });
}
