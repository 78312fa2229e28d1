import type { OutboundHeaders, Relay } from '@passport-relay/core';
import { decideHop, type HopDecision } from '@passport-relay/core/adapter';

/** The part of a relay the axios hook uses; every `Relay<T>` has it. */
export type OutboundRelay = Pick<
  Relay,
  'header' | 'forwardHeaders' | 'allows' | 'currentContext' | 'propagate' | 'bind' | 'current'
>;

/**
 * One request's outbound decision, made again at every hop (each redirect), in the context of the
 * caller that made the request.
 */
export interface HopPolicy {
  /** Core's outbound decision for a hop to `hostname` that carries `present` (lower case). */
  decide(hostname: string, present: ReadonlySet<string>, redirected: boolean): HopDecision;
  /** The header names the relay manages (lower case): the passport and the forwarded headers. */
  readonly managed: readonly string[];
  /** Managed names the caller set on the request (even to `null`/`false`): never added. */
  readonly callerSet: ReadonlySet<string>;
}

/** The decision for one request, bound to the caller's context now. */
export function hopPolicy(relay: OutboundRelay, callerSet: ReadonlySet<string>): HopPolicy {
  return {
    decide: relay.bind((hostname: string, present: ReadonlySet<string>, redirected: boolean) =>
      decideHop(
        relay,
        { hostname },
        { has: (name) => present.has(name) || callerSet.has(name), redirected },
      ),
    ),
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
 * The decision for one hop (core's `decideHop`), given the header names it carries now (lower
 * case). `undefined` when nothing changes.
 */
export function hopChange(
  policy: HopPolicy,
  hostname: string,
  present: ReadonlySet<string>,
  redirected: boolean,
): HopChange | undefined {
  const { add, strip } = policy.decide(hostname, present, redirected);
  if (strip.length > 0) return { strip: true, add };
  return add.length === 0 ? undefined : { strip: false, add };
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
