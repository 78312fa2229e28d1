import { type PassportError, type RefusalResponse, refusalResponse } from '@passport-relay/core';
import { type BearerError, GatewayRefusal } from '../gateway-refusal.js';

/** RFC 7235 quoted-string content without quotes or backslashes (RFC 6750 §3 restricts to these). */
const CHALLENGE_TEXT = /[^\x20\x21\x23-\x5b\x5d-\x7e]/g;

function bearerErrorOf(error: PassportError): BearerError | undefined {
  if (error instanceof GatewayRefusal) return error.bearerError;
  return error.code === 'ERR_PASSPORT_MISSING' ? undefined : 'invalid_token';
}

/**
 * The HTTP response for a refusal at the edge: core's problem body with a `Bearer` challenge.
 * Internal to the package; adapters reach it through `gateway.refusal(error)`.
 */
export function bearerRefusalResponse(error: PassportError, realm: string): RefusalResponse {
  const { status, body, headers: coreHeaders } = refusalResponse(error);
  const { 'www-authenticate': _passportChallenge, ...rest } = coreHeaders;
  const headers: Record<string, string> = { ...rest };
  if (error.status === 401) {
    const bearerError = bearerErrorOf(error);
    let challenge = `Bearer realm="${realm}"`;
    if (bearerError !== undefined) {
      challenge += `, error="${bearerError}", error_description="${error.message.replace(CHALLENGE_TEXT, '')}"`;
    }
    headers['www-authenticate'] = challenge;
  }
  headers['cache-control'] = 'no-store';
  return { status, headers, body };
}

/** Whether `realm` can be written as a challenge parameter without escaping. */
export function isChallengeText(value: string): boolean {
  return value.length > 0 && value.replace(CHALLENGE_TEXT, '') === value;
}
