import { channel } from 'node:diagnostics_channel';
import { DIAGNOSTICS_CHANNELS, type Relay } from '@passport-relay/core';
import {
  headers as createHeaders,
  type NatsConnection,
  type PublishOptions,
  type RequestOptions,
} from 'nats';
import { type NatsPassportOptions, resolveNatsOptions } from './options.js';

const installed = Symbol.for('passport-relay.nats.connection');
const withheld = channel(DIAGNOSTICS_CHANNELS.withheld);

interface Installable {
  publish: NatsConnection['publish'];
  request: NatsConnection['request'];
  [installed]?: () => void;
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
  const policy = resolveNatsOptions(options);
  const target = connection as unknown as Installable;
  const existing = target[installed];
  if (existing !== undefined) return existing;
  const { publish, request } = target;

  function carry<O extends PublishOptions | RequestOptions>(
    subject: string,
    opts: O | undefined,
  ): O | undefined {
    if (relay.currentContext() === undefined) return opts;
    if (!policy.allows(subject)) {
      if (withheld.hasSubscribers) {
        withheld.publish({ destination: subject, reason: 'destination-not-allowed' });
      }
      return opts;
    }
    const wanted = relay.inject({}) as Record<string, string>;
    const names = Object.keys(wanted);
    if (names.length === 0) return opts;
    const headers = opts?.headers ?? createHeaders();
    for (const name of names) if (!headers.has(name)) headers.set(name, wanted[name]!);
    return { ...opts, headers } as O;
  }

  target.publish = function publishWithPassport(this: NatsConnection, subject, data, opts) {
    return publish.call(this, subject, data, carry(subject, opts));
  };
  target.request = function requestWithPassport(this: NatsConnection, subject, data, opts) {
    return request.call(this, subject, data, carry(subject, opts));
  };

  const uninstall = () => {
    if (target[installed] !== uninstall) return;
    target.publish = publish;
    target.request = request;
    delete target[installed];
  };
  target[installed] = uninstall;
  return uninstall;
}
