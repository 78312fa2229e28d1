import type { Relay } from '@passport-relay/core';
import { type Destination, decideHop } from '@passport-relay/core/adapter';
import type { CloudEvent } from 'cloudevents';

/**
 * The CloudEvents extension attribute that carries the passport: `passport` in structured mode,
 * the `ce-passport` header in binary mode (what a Knative Broker delivers).
 * @example
 * ```ts
 * const token = event[PASSPORT_EXTENSION];
 * ```
 */
export const PASSPORT_EXTENSION = 'passport';

/**
 * The event with the current passport as its `passport` extension attribute, when the relay's
 * `propagateTo` allows `sink` (the URL the event is sent to, e.g. a Knative Broker's ingress);
 * otherwise the event itself. An event that already has the extension keeps its own. CloudEvents
 * are immutable: this returns a clone.
 *
 * @example
 * ```ts
 * const sink = 'http://broker-ingress.knative-eventing.svc.cluster.local/shop/default';
 * const event = withPassport(relay, new CloudEvent({ type: 'order.created', source: '/orders', data }), sink);
 * const { headers, body } = HTTP.binary(event); // ce-passport: eyJ...
 * await fetch(sink, { method: 'POST', headers, body });
 * ```
 */
export function withPassport<T>(
  relay: Relay,
  event: CloudEvent<T>,
  sink: Destination,
): CloudEvent<T> {
  // Only the passport travels in the event; forwarded headers stay with the HTTP request.
  const { add } = decideHop(relay, sink, {
    has: (name) => name !== relay.header || event[PASSPORT_EXTENSION] !== undefined,
  });
  const token = add.find(([name]) => name === relay.header)?.[1];
  if (token === undefined) return event;
  return event.cloneWith({ [PASSPORT_EXTENSION]: token }) as CloudEvent<T>;
}
