import type { Relay } from '@passport-relay/core';
import type { MsgHdrs } from 'nats';

/**
 * The passport and forwarded headers of a NATS message as a carrier core can read: every value
 * of each name, so two passport headers are seen as two (and refused).
 */
export function carrierOf(relay: Relay, headers: MsgHdrs | undefined): Record<string, string[]> {
  const carrier: Record<string, string[]> = Object.create(null);
  if (headers === undefined) return carrier;
  for (const name of [relay.header, ...relay.forwardHeaders]) {
    const values = headers.values(name);
    if (values.length > 0) carrier[name] = values;
  }
  return carrier;
}
