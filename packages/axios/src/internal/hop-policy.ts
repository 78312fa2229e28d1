import type { OutboundHeaders, Relay } from '@passport-relay/core';

/** The part of a relay the axios hook uses; every `Relay<T>` has it. */
export type OutboundRelay = Pick<
  Relay,
  'header' | 'forwardHeaders' | 'allows' | 'outboundHeaders' | 'propagate' | 'bind' | 'current'
>;

/**
 * One request's outbound decision, made again at every hop (each redirect), in the context of the
 * caller that made the request.
 */
export interface HopPolicy {
  /** The headers a hop to `hostname` receives, or `undefined` when it receives none. */
  headersFor(hostname: string): OutboundHeaders | undefined;
  /** Whether `hostname` may receive the passport at all. */
  allows(hostname: string): boolean;
  /** The header names the relay manages (lower case): the passport and the forwarded headers. */
  readonly managed: readonly string[];
  /** Managed names the caller set on the request (even to `null`/`false`): never added. */
  readonly callerSet: ReadonlySet<string>;
}

/** The decision for one request, bound to the caller's context now. */
export function hopPolicy(relay: OutboundRelay, callerSet: ReadonlySet<string>): HopPolicy {
  return {
    headersFor: relay.bind((hostname: string) => relay.outboundHeaders({ hostname })),
    allows: (hostname) => relay.allows({ hostname }),
    managed: [relay.header, ...relay.forwardHeaders],
    callerSet,
  };
}

/** What one hop's headers need: the managed ones removed, or the relay's ones added. */
export interface HopChange {
  readonly strip: boolean;
  readonly add: OutboundHeaders;
}

/**
 * The decision for one hop, given the header names it carries now (lower case):
 * - a hop the policy does not allow loses every managed header when `redirected` (a client carried
 *   it from the previous hop; the caller never chose this host);
 * - an allowed hop gets each of the relay's headers that is neither present nor set by the caller.
 * `undefined` when nothing changes.
 */
export function hopChange(
  policy: HopPolicy,
  hostname: string,
  present: ReadonlySet<string>,
  redirected: boolean,
): HopChange | undefined {
  const pairs = policy.headersFor(hostname); // publishes the injected/withheld diagnostics
  if (pairs === undefined && !policy.allows(hostname)) {
    const carried = redirected && policy.managed.some((name) => present.has(name));
    return carried ? { strip: true, add: [] } : undefined;
  }
  const add = pairs?.filter(([name]) => !present.has(name) && !policy.callerSet.has(name));
  return add === undefined || add.length === 0 ? undefined : { strip: false, add };
}

/** Apply a change to a header record (names in any case) in place. */
export function applyToRecord(
  policy: HopPolicy,
  change: HopChange,
  headers: Record<string, unknown>,
): void {
  if (change.strip) {
    for (const name of Object.keys(headers)) {
      if (policy.managed.includes(name.toLowerCase())) delete headers[name];
    }
  }
  for (const [name, value] of change.add) headers[name] = value;
}

/** The lower-cased names of a header record. */
export function namesOf(headers: Readonly<Record<string, unknown>>): Set<string> {
  return new Set(Object.keys(headers).map((name) => name.toLowerCase()));
}
