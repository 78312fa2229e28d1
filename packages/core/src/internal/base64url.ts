import { refuse } from '../errors.js';

const ALPHABET = /^[A-Za-z0-9_-]*$/;

/**
 * Strict base64url (RFC 4648 §5, unpadded, as JWS requires). Buffer's own decoder skips characters
 * outside the alphabet, which would let two different strings decode to the same bytes.
 */
export function decodeBase64url(segment: string, what: string): Buffer {
  if (!ALPHABET.test(segment) || segment.length % 4 === 1) {
    throw refuse('ERR_PASSPORT_MALFORMED', `The passport ${what} is not valid base64url.`);
  }
  return Buffer.from(segment, 'base64url');
}

export function encodeBase64url(data: string | Uint8Array): string {
  return Buffer.from(data).toString('base64url');
}
