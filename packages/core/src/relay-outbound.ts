import type { ContextStore } from './context-store.js';
import type { DestinationPolicy } from './destination-policy.js';
import { channels } from './diagnostics.js';
import {
  type Destination,
  decideHop,
  type OutboundRelay,
  publishInjected,
} from './outbound-decision.js';
import type { Relay } from './relay.js';
import { EMPTY, type OutboundHeaders } from './relay-context.js';
import { TtlCache } from './ttl-cache.js';

export type { Destination };

/**
 * How {@link Relay.propagate} reads and writes a client's header container.
 *
 * @example
 * ```ts
 * const access: HeaderAccess<Headers> = {
 *   has: (headers, name) => headers.has(name),
 *   set: (headers, name, value) => headers.set(name, value),
 * };
 * relay.propagate(url, request.headers, access);
 * ```
 */
export interface HeaderAccess<C> {
  has(carrier: C, name: string): boolean;
  set(carrier: C, name: string, value: string): void;
}

const MAX_ORIGIN_MEMO = 1024;

/**
 * The relay's outbound side: whether a destination may receive the current context's headers
 * (`propagateTo`), which headers an outbound request gets, and writing them into a carrier.
 */
export function outboundSide<T extends object>(
  store: ContextStore,
  policy: DestinationPolicy,
): Pick<Relay<T>, 'allows' | 'outboundHeaders' | 'inject'> {
  // Origins come from outbound URLs, which a caller may choose: the memo is bounded.
  const originDecisions = new TtlCache<boolean>(MAX_ORIGIN_MEMO);

  function hostOf(destination: Destination): string | undefined {
    if (typeof destination === 'string') return undefined;
    return destination.hostname;
  }

  function allows(destination: Destination): boolean {
    if (typeof destination !== 'string') return policy.allows(destination.hostname);
    const known = originDecisions.get(destination);
    if (known !== undefined) return known;
    let allowed = false;
    if (!destination.includes('/')) allowed = policy.allows(destination);
    else {
      try {
        allowed = policy.allows(new URL(destination).hostname);
      } catch {
        allowed = false;
      }
    }
    originDecisions.set(destination, allowed, Number.POSITIVE_INFINITY);
    return allowed;
  }

  function outboundHeaders(destination: Destination): OutboundHeaders | undefined {
    const context = store.getStore();
    if (context === undefined) return undefined;
    const headers = context.headers;
    if (headers.length === 0) return undefined;
    if (!allows(destination)) {
      if (channels.withheld.hasSubscribers) {
        channels.withheld.publish({
          destination: hostOf(destination) ?? String(destination),
          reason: 'destination-not-allowed',
        });
      }
      return undefined;
    }
    publishInjected(destination, headers);
    return headers;
  }

  return {
    inject(carrier) {
      const headers = store.getStore()?.headers ?? EMPTY;
      for (const [name, value] of headers) {
        if (carrier[name] === undefined) (carrier as Record<string, unknown>)[name] = value;
      }
      return carrier;
    },

    allows,
    outboundHeaders,
  };
}

/**
 * {@link Relay.propagate}: the outbound decision for one hop, applied to a client's header
 * container. Sets each header the caller did not set explicitly; returns how many were added.
 */
export function propagate<C>(
  relay: OutboundRelay,
  destination: Destination,
  carrier: C,
  access: HeaderAccess<C>,
): number {
  const { add } = decideHop(relay, destination, { has: (name) => access.has(carrier, name) });
  for (const [name, value] of add) access.set(carrier, name, value);
  return add.length;
}
