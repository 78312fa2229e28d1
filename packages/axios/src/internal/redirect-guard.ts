import { applyToRecord, type HopPolicy, hopChange, namesOf } from './hop-policy.js';

/** axios's `beforeRedirect` config hook (http adapter, follow-redirects), as axios calls it. */
export type BeforeRedirect = (
  options: Record<string, unknown>,
  responseDetails: unknown,
  requestDetails: unknown,
) => void;

/**
 * A `beforeRedirect` that applies the decision to every redirect hop before follow-redirects sends
 * it (follow-redirects copies custom headers to the next hop, even to another host), then calls the
 * hook the caller configured, if any.
 */
export function redirectGuard(
  policy: HopPolicy,
  callerHook: BeforeRedirect | undefined,
): BeforeRedirect {
  return function passportRedirectGuard(options, responseDetails, requestDetails) {
    const headers = (options.headers ?? {}) as Record<string, unknown>;
    // follow-redirects sets `hostname` from the Location URL, brackets removed; none means deny.
    const hostname = typeof options.hostname === 'string' ? options.hostname : '';
    const change = hopChange(policy, hostname, namesOf(headers), true);
    if (change !== undefined) {
      applyToRecord(policy, change, headers);
      options.headers = headers;
    }
    callerHook?.(options, responseDetails, requestDetails);
  };
}
