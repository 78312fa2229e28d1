import { refuse } from '../errors.js';
import type { ResolvedLimits } from '../limits.js';
import { decodeBase64url } from './base64url.js';
import { type Claims, parseClaims } from './claims-json.js';

/**
 * The compact-JWS (RFC 7515) checks both signed codecs share: the passport codec and the Txn-Token
 * codec differ in their keys, claims and error wording, never in how a token is taken apart.
 * `what` names the token in every refusal ("passport", "Txn-Token").
 */

/** A key that may check a token's signature. */
interface SignatureKey {
  readonly alg: string;
  readonly kid?: string | undefined;
  verify(signingInput: string, signature: Buffer): boolean;
}

/** The protected header segment, parsed under the inbound limits. */
export function parseJwsHeader(segment: string, limits: ResolvedLimits): Claims {
  return parseClaims(decodeBase64url(segment, 'header').toString('utf8'), limits, 'header');
}

/**
 * The header checks that pin the algorithm: `alg` is one the configured keys allow (never `none`,
 * never one the keys were not made for), no `crit` extension (none is understood), `kid` a string.
 */
export function checkJwsHeader(
  header: Claims,
  algorithms: ReadonlySet<string>,
  what: string,
): { readonly alg: string; readonly kid: string | undefined } {
  const { alg, kid, crit } = header;
  if (typeof alg !== 'string') throw refuse('ERR_PASSPORT_MALFORMED', `The ${what} has no "alg".`);
  if (!algorithms.has(alg)) {
    throw refuse(
      'ERR_PASSPORT_ALGORITHM',
      `The ${what} algorithm is not allowed here (allowed: ${[...algorithms].join(', ')}).`,
    );
  }
  if (crit !== undefined) {
    throw refuse('ERR_PASSPORT_MALFORMED', `The ${what} header has "crit" extensions.`);
  }
  if (kid !== undefined && typeof kid !== 'string') {
    throw refuse('ERR_PASSPORT_MALFORMED', `The ${what} "kid" is not a string.`);
  }
  return { alg, kid };
}

/** The keys that may have signed a token with this `alg` and (when it names one) `kid`. */
export function keysFor<K extends SignatureKey>(
  keys: readonly K[],
  { alg, kid }: { readonly alg: string; readonly kid: string | undefined },
): K[] {
  return keys.filter((key) => key.alg === alg && (kid === undefined || key.kid === kid));
}

/**
 * Take a compact JWS apart, check its signature against the keys its header selects, and return
 * the payload's claims. Nothing of the payload is read before the signature verifies.
 *
 * @param keysForHeader Checks the header segment and returns the keys that may have signed it.
 */
export function verifiedJwsPayload(
  token: string,
  limits: ResolvedLimits,
  what: string,
  keysForHeader: (segment: string, limits: ResolvedLimits) => readonly SignatureKey[],
): Claims {
  const firstDot = token.indexOf('.');
  const secondDot = firstDot < 0 ? -1 : token.indexOf('.', firstDot + 1);
  if (secondDot < 0 || token.indexOf('.', secondDot + 1) !== -1) {
    throw refuse(
      'ERR_PASSPORT_MALFORMED',
      `The ${what} is not a compact JWS (header.payload.signature).`,
    );
  }
  const candidates = keysForHeader(token.slice(0, firstDot), limits);
  const signature = decodeBase64url(token.slice(secondDot + 1), 'signature');
  const signingInput = token.slice(0, secondDot);
  if (!candidates.some((key) => key.verify(signingInput, signature))) {
    throw refuse('ERR_PASSPORT_SIGNATURE', `The ${what} signature does not verify.`);
  }
  const payload = decodeBase64url(token.slice(firstDot + 1, secondDot), 'payload');
  return parseClaims(payload.toString('utf8'), limits, 'payload');
}
