/**
 * Drives the demo topology (examples/demo) the way a client would: a checkout through the
 * gateway, and what each hop said it saw.
 */
import { Agent } from 'undici';
import { flatten, type Hop, type HopReport, partnerOf } from '../../examples/demo/src/journey.js';

export interface Outcome {
  readonly user: string;
  readonly status: number;
  readonly hops: Hop[];
  readonly partnerReceivedPassport: boolean | undefined;
  /** Set when the request failed before an HTTP answer (timeout, reset). */
  readonly failure?: string;
}

/** A client with bounded connections: the requests queue here, not in the kernel. */
export function client(connections: number): Agent {
  return new Agent({ connections, keepAliveTimeout: 10_000 });
}

export async function checkout(
  gateway: string,
  user: string,
  token: string,
  dispatcher: Agent,
  timeoutMs = 20_000,
): Promise<Outcome> {
  try {
    const response = await fetch(`${gateway}/checkout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ item: 'book' }),
      signal: AbortSignal.timeout(timeoutMs),
      // @ts-expect-error: Node's fetch takes undici's dispatcher option
      dispatcher,
    });
    const report = (await response.json()) as HopReport;
    return {
      user,
      status: response.status,
      hops: response.ok ? flatten(report) : [],
      partnerReceivedPassport: partnerOf(report)?.receivedPassport,
    };
  } catch (error) {
    return {
      user,
      status: 0,
      hops: [],
      partnerReceivedPassport: undefined,
      failure: String(error),
    };
  }
}

/** Every hop of a successful checkout saw `user`, verified, in the expected order. */
export function sawOnlyItsUser(outcome: Outcome): boolean {
  return (
    outcome.hops.map((hop) => hop.service).join() === 'gateway,orders,payments,users' &&
    outcome.hops.every((hop) => hop.sub === outcome.user && hop.verified) &&
    outcome.partnerReceivedPassport === false
  );
}
