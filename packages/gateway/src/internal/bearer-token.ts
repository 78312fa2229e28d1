import { GatewayRefusal } from '../gateway-refusal.js';

/** `Bearer <token68>` (RFC 6750 §2.1); the scheme is case-insensitive. */
const BEARER = /^[ \t]*bearer +([A-Za-z0-9\-._~+/]+=*)[ \t]*$/i;
const SCHEME = /^[ \t]*([^ \t]*)/;

/**
 * The bearer token in the `Authorization` values of a request, or `undefined` for an anonymous
 * request when none is required. Throws a {@link GatewayRefusal} for anything else. Messages never
 * contain the header's value.
 */
export function bearerToken(
  values: readonly string[] | undefined,
  required: boolean,
  maxBytes: number,
): string | undefined {
  if (values === undefined || values.length === 0) {
    if (!required) return undefined;
    throw new GatewayRefusal(
      'ERR_PASSPORT_MISSING',
      'This request has no Authorization header; send "Authorization: Bearer <token>".',
    );
  }
  // Node joins most repeated headers with ", " and Headers.get() does too; token68 has no comma.
  if (values.length > 1 || values[0]!.includes(',')) {
    throw new GatewayRefusal(
      'ERR_PASSPORT_MALFORMED',
      'The request has more than one Authorization value; send exactly one.',
      { bearerError: 'invalid_request' },
    );
  }
  const value = values[0]!;
  if (Buffer.byteLength(value, 'latin1') > maxBytes) {
    throw new GatewayRefusal(
      'ERR_PASSPORT_TOO_LARGE',
      `The Authorization header is larger than ${maxBytes} bytes.`,
      { bearerError: 'invalid_request' },
    );
  }
  const scheme = SCHEME.exec(value)![1]!;
  if (scheme.toLowerCase() !== 'bearer') {
    // RFC 6750 §3.1: another scheme means no Bearer credentials were sent, so no error code.
    if (!required) return undefined;
    throw new GatewayRefusal(
      'ERR_PASSPORT_MISSING',
      'The Authorization header does not use the Bearer scheme; send "Authorization: Bearer <token>".',
    );
  }
  const match = BEARER.exec(value);
  if (match === null) {
    throw new GatewayRefusal(
      'ERR_PASSPORT_MALFORMED',
      'The Authorization header is not "Bearer" followed by one token.',
      { bearerError: 'invalid_request' },
    );
  }
  return match[1]!;
}
