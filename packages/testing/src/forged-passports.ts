import { generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  DEFAULT_LIMITS,
  PASSPORT_ERRORS,
  type PassportClaims,
  type PassportErrorCode,
  type SigningKey,
} from '@passport-relay/core';
import { encodeSegment, signJws } from './internal/jws.js';
import type { TestRelay } from './test-relay.js';

/**
 * One bad inbound request: the passport headers to send and how the relay must refuse them.
 * @example
 * ```ts
 * const expired = forgedPassports(test).find(({ name }) => name === 'expired')!;
 * expired.code; // 'ERR_PASSPORT_EXPIRED'
 * expired.headers; // ['passport', 'eyJhbGciOi...']
 * ```
 */
export interface ForgedPassport {
  /** What is wrong with it, for test titles: `"expired"`, `"alg none"`, ... */
  readonly name: string;
  /** The code the relay refuses it with. */
  readonly code: PassportErrorCode;
  /** The HTTP status that code maps to (401, 431 for oversize, 400 for duplicates). */
  readonly status: number;
  /**
   * The headers to send, as a flat raw list (`[name, value, name, value, ...]`) so that two passport
   * headers stay two lines. Give it to undici's `request(url, { headers })` or `node:http` as is.
   */
  readonly headers: string[];
  /** The passport values sent, in order; none may appear in the refusal the caller receives. */
  readonly tokens: readonly string[];
}

/**
 * Options of {@link forgedPassports}.
 * @example
 * ```ts
 * forgedPassports(test, { claims: { sub: 'mallory', tenant: 't1' }, schemaRefused: { sub: 'm' } });
 * ```
 */
export interface ForgedPassportsOptions {
  /**
   * The claims every forgery carries besides its own defect. Give claims your relay's schema
   * accepts, so that each forgery is refused for its defect and not by the schema.
   * @default { sub: 'mallory' }
   */
  readonly claims?: Readonly<Record<string, unknown>>;
  /**
   * Claims the relay's schema refuses (the relay must have a `schema`), with a `sub`. When given,
   * the table ends with a valid passport carrying these claims, signed by the relay's own key and
   * refused with `ERR_PASSPORT_SCHEMA`. The schema is yours, so only you know what it refuses.
   * @default undefined (no schema case)
   */
  readonly schemaRefused?: Readonly<Record<string, unknown>>;
  /**
   * The relay's `limits.maxHeaderBytes`, if you changed it: the oversized forgery is made larger
   * than this.
   * @default 4096
   */
  readonly maxHeaderBytes?: number;
}

const HOUR = 3600;

function forgery(
  name: string,
  code: PassportErrorCode,
  header: string,
  tokens: readonly string[],
): ForgedPassport {
  return {
    name,
    code,
    status: PASSPORT_ERRORS[code].status,
    headers: tokens.flatMap((token) => [header, token]),
    tokens,
  };
}

/** A key of `alg` that the relay does not hold, under `kid`. */
function strangerKey(alg: SigningKey['alg'], kid: string | undefined): SigningKey {
  const withKid = kid === undefined ? {} : { kid };
  if (alg === 'HS256') return { alg, secret: randomBytes(32), ...withKid };
  return { alg, key: generateKeyPairSync('ed25519').privateKey, ...withKid };
}

/**
 * Every refusal a relay makes on inbound, as requests to send: no passport, a malformed one, an
 * oversized one, two of them, and (for signed relays) `alg: none`, an algorithm the relay does not
 * accept, an unknown `kid`, another key's signature, a tampered payload, expired, not yet valid,
 * another issuer, no `sub`; plus, with `schemaRefused`, one the relay's schema refuses. Each names
 * the code and status the relay must answer with.
 *
 * Forgeries are minted with the test relay's own keys (and fresh strangers' keys), so the table is
 * right for that relay: the kit's own tests send every one to a relay and check the code. Use it
 * with a route that requires a passport (`required: true`); on an optional route, leave out the
 * `ERR_PASSPORT_MISSING` case. Plain (mesh-trusting) relays get the cases that apply to them.
 *
 * @example
 * ```ts
 * const test = createTestRelay({ schema: z.object({ sub: z.string(), tenant: z.string() }) });
 * const cases = forgedPassports(test, {
 *   claims: { sub: 'mallory', tenant: 't1' },
 *   schemaRefused: { sub: 'mallory' },
 * });
 *
 * it.each(cases)('refuses $name with $status $code', async ({ code, status, headers }) => {
 *   const response = await request(`${server.origin}/orders`, { headers });
 *   expect(response.statusCode).toBe(status);
 *   expect(await response.body.json()).toMatchObject({ code });
 * });
 * ```
 */
export function forgedPassports<T extends object>(
  testRelay: TestRelay<T>,
  options: ForgedPassportsOptions = {},
): ForgedPassport[] {
  const { relay, issuer, signingKey } = testRelay;
  const {
    claims = { sub: 'mallory' },
    schemaRefused,
    maxHeaderBytes = DEFAULT_LIMITS.maxHeaderBytes,
  } = options;
  if (relay.mode === 'signed' && signingKey === undefined) {
    throw new TypeError(
      'forgedPassports: this test relay has no signing key; make it with createTestRelay({ mode: "EdDSA" }) or { mode: "HS256" }.',
    );
  }
  const header = relay.header;
  const now = Math.floor(Date.now() / 1000);
  const { sub: _sub, ...withoutSub } = claims;
  const validFor = (payload: object) => ({ iat: now, exp: now + 5 * 60, ...payload });
  // Two passports the relay issued itself: only their number is wrong.
  const issued = [
    relay.issue({ ...claims } as PassportClaims<T>),
    relay.issue({ ...claims, sub: `${String(claims.sub)}-2` } as PassportClaims<T>),
  ];
  const common = [
    forgery('no passport on a required route', 'ERR_PASSPORT_MISSING', header, []),
    relay.mode === 'signed'
      ? forgery('not a JWS', 'ERR_PASSPORT_MALFORMED', header, ['not-a-passport'])
      : forgery('not base64url JSON', 'ERR_PASSPORT_MALFORMED', header, ['{not-base64url}']),
    forgery(`larger than the ${maxHeaderBytes}-byte limit`, 'ERR_PASSPORT_TOO_LARGE', header, [
      relay.mode === 'signed'
        ? issued[0]!.replace(/\.[^.]*\./, `.${'A'.repeat(maxHeaderBytes)}.`)
        : encodeSegment({ ...claims, padding: 'A'.repeat(maxHeaderBytes) }),
    ]),
    forgery('two passport headers', 'ERR_PASSPORT_DUPLICATE', header, issued),
  ];

  if (relay.mode === 'plain') {
    const plain = (name: string, code: PassportErrorCode, payload: object) =>
      forgery(name, code, header, [encodeSegment(payload)]);
    return [
      ...common,
      plain('expired', 'ERR_PASSPORT_EXPIRED', { ...claims, iat: now - 2 * HOUR, exp: now - HOUR }),
      plain('not yet valid', 'ERR_PASSPORT_NOT_YET_VALID', {
        ...claims,
        nbf: now + HOUR,
        exp: now + 2 * HOUR,
      }),
      plain('no sub (no caller)', 'ERR_PASSPORT_CLAIM_INVALID', withoutSub),
      ...(schemaRefused === undefined
        ? []
        : [plain('a passport the schema refuses', 'ERR_PASSPORT_SCHEMA', schemaRefused)]),
    ];
  }

  const own = signingKey!;
  const jwsHeader = (alg: string, kid = own.kid) =>
    kid === undefined ? { alg, typ: 'JWT' } : { alg, kid, typ: 'JWT' };
  const signed = (name: string, code: PassportErrorCode, payload: object, key = own) =>
    forgery(name, code, header, [signJws(key, jwsHeader(key.alg, key.kid), payload)]);
  const otherAlg = own.alg === 'EdDSA' ? 'HS256' : 'EdDSA';
  const [issuedHeader, , issuedSignature] = issued[0]!.split('.');
  const tampered = encodeSegment(validFor({ ...claims, sub: 'admin', iss: issuer }));
  return [
    ...common,
    forgery('alg none', 'ERR_PASSPORT_ALGORITHM', header, [
      `${encodeSegment({ alg: 'none', typ: 'JWT' })}.${encodeSegment(validFor({ ...claims, iss: issuer }))}.`,
    ]),
    signed(
      `${otherAlg} where only ${own.alg} is configured`,
      'ERR_PASSPORT_ALGORITHM',
      validFor({ ...claims, iss: issuer }),
      strangerKey(otherAlg, own.kid),
    ),
    signed(
      'a kid this service does not know',
      'ERR_PASSPORT_KEY_UNKNOWN',
      validFor({ ...claims, iss: issuer }),
      strangerKey(own.alg, 'stranger'),
    ),
    signed(
      'signed by another key under our kid',
      'ERR_PASSPORT_SIGNATURE',
      validFor({ ...claims, iss: issuer }),
      strangerKey(own.alg, own.kid),
    ),
    forgery('payload tampered after signing', 'ERR_PASSPORT_SIGNATURE', header, [
      `${issuedHeader}.${tampered}.${issuedSignature}`,
    ]),
    signed('expired', 'ERR_PASSPORT_EXPIRED', {
      ...claims,
      iss: issuer,
      iat: now - 2 * HOUR,
      exp: now - HOUR,
    }),
    signed('not yet valid', 'ERR_PASSPORT_NOT_YET_VALID', {
      ...claims,
      iss: issuer,
      iat: now,
      nbf: now + HOUR,
      exp: now + 2 * HOUR,
    }),
    signed(
      'another issuer',
      'ERR_PASSPORT_CLAIM_INVALID',
      validFor({ ...claims, iss: 'https://evil.test' }),
    ),
    signed(
      'no sub (no caller)',
      'ERR_PASSPORT_CLAIM_INVALID',
      validFor({ ...withoutSub, iss: issuer }),
    ),
    ...(schemaRefused === undefined
      ? []
      : [
          signed(
            'a passport the schema refuses',
            'ERR_PASSPORT_SCHEMA',
            validFor({ ...schemaRefused, iss: issuer }),
          ),
        ]),
  ];
}
