/**
 * The variants the bench servers run (README.md explains each), and what the load generator sends
 * for each: shared by the parent (chain.ts, inbound.ts) and the servers (server.ts).
 */
import type { Issuer } from './passports.ts';

/** Chain variants, plus `otelRelay` (issue #5) and `bare`/`adapter` (inbound adapter cost). */
export type Variant =
  | 'none'
  | 'handWritten'
  | 'alsFloor'
  | 'clsFloor'
  | 'relayPlain'
  | 'relaySignedCached'
  | 'relaySignedUncached'
  | 'otel'
  | 'otelRelay'
  | 'bare'
  | 'adapter';

/** The W3C baggage entry the `otel` variant carries the passport in. */
export const BAGGAGE_ENTRY = 'passport';

/** The headers the load generator sends A, and what B must echo back, for one passport subject. */
export function request(
  variant: Variant,
  passports: Issuer,
  sub: string,
): { headers: Record<string, string>; expected: string | null } {
  if (variant === 'relayPlain') {
    const passport = passports.plain(sub);
    return { headers: { passport }, expected: passport };
  }
  const passport = passports.signed(sub);
  // OTel carries the passport the way OTel carries any request-scoped value: W3C baggage.
  if (variant === 'otel') {
    return { headers: { baggage: `${BAGGAGE_ENTRY}=${passport}` }, expected: passport };
  }
  return { headers: { passport }, expected: variant === 'none' ? null : passport };
}
