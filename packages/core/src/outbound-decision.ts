import { channels } from './diagnostics.js';
import type { OutboundHeaders, RelayContext } from './relay-context.js';

/**
 * An outbound destination: a URL, a URL string or origin, or a host name.
 *
 * @example
 * ```ts
 * relay.allows('http://orders:8080'); relay.allows(new URL(url)); relay.allows({ hostname: 'orders' });
 * ```
 */
export type Destination = string | URL | { readonly hostname: string };

/**
 * The part of a relay the outbound decision reads; every `Relay<T>` has it.
 *
 * @example
 * ```ts
 * const relay: OutboundRelay = createRelay({ codec });
 * decideHop(relay, url, { has: () => false });
 * ```
 */
export interface OutboundRelay {
  readonly header: string;
  readonly forwardHeaders: readonly string[];
  currentContext(): RelayContext<object> | undefined;
  allows(destination: Destination): boolean;
}

/**
 * What the client's request looks like at this hop, as far as the decision needs to know.
 *
 * @example
 * ```ts
 * decideHop(relay, url, { has: (name) => headers.has(name), redirected: hop > 0 } satisfies HopRequest);
 * ```
 */
export interface HopRequest {
  /** Whether the request already carries header `name` (lower case), set by the caller or a client. */
  has(name: string): boolean;
  /**
   * Whether this hop follows a redirect. A redirect to a host off the list loses the relay's
   * headers even when a client carried them over from the previous hop.
   * @default false
   */
  readonly redirected?: boolean;
}

/**
 * The outbound decision for one hop: headers to add, header names to remove first.
 *
 * @example
 * ```ts
 * const { add, strip }: HopDecision = decideHop(relay, { hostname }, { has: (name) => headers.has(name) });
 * ```
 */
export interface HopDecision {
  /** Headers to add: the relay's, for an allowed destination, minus any the request already has. */
  readonly add: OutboundHeaders;
  /**
   * Relay-managed names (lower case, compare in any case) to remove before the hop is sent: set
   * on a redirect to a host off the list, where a client may have carried them from the last hop.
   */
  readonly strip: readonly string[];
}

const NOTHING: HopDecision = Object.freeze({ add: Object.freeze([]), strip: Object.freeze([]) });

function describe(destination: Destination): string {
  return typeof destination === 'string' ? destination : destination.hostname;
}

/**
 * The one outbound decision every client adapter makes per hop (each redirect is a hop): for an
 * allowed destination, the relay's headers that the request does not already carry (the caller's
 * header wins, and is never sent twice); for a destination off the list, nothing, and on a
 * redirect hop the relay's header names to strip. Diagnostics are published after the decision:
 * `injected` names only the headers actually added; `withheld` says a destination was refused
 * (`'destination-not-allowed'`) or got nothing added because the request already carried every
 * header (`'caller-set'`).
 * Never throws: a destination the policy cannot read is withheld from.
 *
 * @example
 * ```ts
 * const { add, strip } = decideHop(relay, { hostname: url.hostname }, {
 *   has: (name) => headers.has(name),
 *   redirected: hop > 0,
 * });
 * for (const name of strip) headers.delete(name);
 * for (const [name, value] of add) headers.set(name, value);
 * ```
 */
export function decideHop(
  relay: OutboundRelay,
  destination: Destination,
  request: HopRequest,
): HopDecision {
  const headers = relay.currentContext()?.headers;
  const redirected = request.redirected === true;
  if ((headers === undefined || headers.length === 0) && !redirected) return NOTHING;
  if (!relay.allows(destination)) {
    if (headers !== undefined && headers.length > 0 && channels.withheld.hasSubscribers) {
      channels.withheld.publish({
        destination: describe(destination),
        reason: 'destination-not-allowed',
      });
    }
    if (!redirected) return NOTHING;
    const strip = [relay.header, ...relay.forwardHeaders].filter((name) => request.has(name));
    return strip.length === 0 ? NOTHING : { add: NOTHING.add, strip };
  }
  if (headers === undefined || headers.length === 0) return NOTHING;
  const add = withoutPresent(headers, request);
  if (add.length === 0) {
    // Still a decision: the caller's own headers go as they are, and observers (the doctor)
    // must see that this hop was decided, not missed.
    if (channels.withheld.hasSubscribers) {
      channels.withheld.publish({ destination: describe(destination), reason: 'caller-set' });
    }
    return NOTHING;
  }
  if (channels.injected.hasSubscribers) {
    channels.injected.publish({
      destination: describe(destination),
      headers: add.map(([name]) => name),
    });
  }
  return { add, strip: NOTHING.strip };
}

/** `headers` minus those `request` has; `headers` itself (no copy) when it has none, the usual case. */
function withoutPresent(headers: OutboundHeaders, request: HopRequest): OutboundHeaders {
  for (let i = 0; i < headers.length; i++) {
    if (request.has((headers[i] as OutboundHeaders[number])[0])) {
      return headers.filter(([name]) => !request.has(name));
    }
  }
  return headers;
}

/**
 * Publish the `injected` diagnostic for headers an adapter added without {@link decideHop} (the
 * relay's `outboundHeaders()`, applied whole).
 *
 * @example
 * ```ts
 * const headers = relay.outboundHeaders(url) ?? [];
 * // ...all of them set on the request...
 * publishInjected(url, headers);
 * ```
 */
export function publishInjected(destination: Destination, headers: OutboundHeaders): void {
  if (headers.length > 0 && channels.injected.hasSubscribers) {
    channels.injected.publish({
      destination: describe(destination),
      headers: headers.map(([name]) => name),
    });
  }
}
