/** What every service reports about its hop: who it saw and how. */
export interface Hop {
  readonly service: string;
  readonly framework: string;
  /** The client this service used for its next call ('-' for the last hop). */
  readonly client: string;
  /** The passport subject this service saw through `relay.current()`, or null. */
  readonly sub: string | null;
  /** Whether the passport was verified at this hop (signed mode and present). */
  readonly verified: boolean;
  /** The header identity arrived on: `passport` or `txn-token`. */
  readonly header?: string;
  /** In Txn-Token mode, the transaction id this hop verified (the same at every hop). */
  readonly txn?: string | null;
}

/** A service's response: its own hop, then whatever the next hop answered. */
export interface HopReport {
  readonly hop: Hop;
  readonly next?: HopReport;
  /** Set by the last internal hop: what the third-party partner API said it received. */
  readonly partner?: { readonly receivedPassport: boolean };
}

export function flatten(report: HopReport | undefined): Hop[] {
  const hops: Hop[] = [];
  for (let at = report; at !== undefined; at = at.next) hops.push(at.hop);
  return hops;
}

export function partnerOf(
  report: HopReport | undefined,
): { receivedPassport: boolean } | undefined {
  for (let at = report; at !== undefined; at = at.next) if (at.partner) return at.partner;
  return undefined;
}
