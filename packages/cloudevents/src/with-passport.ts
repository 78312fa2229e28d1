import { channel } from 'node:diagnostics_channel';
import { type Destination, DIAGNOSTICS_CHANNELS, type Relay } from '@passport-relay/core';
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

const withheld = channel(DIAGNOSTICS_CHANNELS.withheld);

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
  if (event[PASSPORT_EXTENSION] !== undefined) return event;
  const context = relay.currentContext();
  if (context === undefined || context.passport === undefined) return event;
  if (!relay.allows(sink)) {
    if (withheld.hasSubscribers) {
      withheld.publish({
        destination: typeof sink === 'string' ? sink : sink.hostname,
        reason: 'destination-not-allowed',
      });
    }
    return event;
  }
  const token = relay.inject({} as Record<string, string>)[relay.header];
  if (token === undefined) return event;
  return event.cloneWith({ [PASSPORT_EXTENSION]: token }) as CloudEvent<T>;
}
