import fc from 'fast-check';
import {
  createLocalJWKSet,
  errors,
  type FlattenedJWSInput,
  type JWK,
  type JWSHeaderParameters,
  jwtVerify,
  SignJWT,
} from 'jose';
import { describe, expect, it } from 'vitest';
import { createRelay, isPassportError, signedCodec } from '../src/index.js';
import { claims, ed25519Pair, forge, hmacSecret, ISSUER, now } from './helpers.js';

// One EdDSA and one HS256 key, configured identically for passport-relay and for jose.
const ed = ed25519Pair();
const secret = hmacSecret();
const edJwk = { ...ed.publicKey.export({ format: 'jwk' }), kid: 'ed-1', alg: 'EdDSA' } as JWK;
// jose's JWKS holds asymmetric keys only, so the HS256 secret is resolved by kid alongside it.
const edKeySet = createLocalJWKSet({ keys: [edJwk] });
const joseKeys = (header: JWSHeaderParameters, token: FlattenedJWSInput) => {
  if (header.alg !== 'HS256') return edKeySet(header, token);
  if (header.kid !== undefined && header.kid !== 'hs-1') throw new errors.JWKSNoMatchingKey();
  return secret;
};
const joseOptions = {
  issuer: ISSUER,
  algorithms: ['EdDSA', 'HS256'],
  requiredClaims: ['exp', 'sub'],
  clockTolerance: 5,
};
const relay = createRelay({
  codec: signedCodec({
    issuer: ISSUER,
    keys: [
      { alg: 'EdDSA', kid: 'ed-1', key: ed.publicKey },
      { alg: 'HS256', kid: 'hs-1', secret },
    ],
    signingKey: { alg: 'EdDSA', kid: 'ed-1', key: ed.privateKey },
  }),
  cache: false,
});

async function joseAccepts(token: string): Promise<boolean> {
  try {
    await jwtVerify(token, joseKeys, joseOptions);
    return true;
  } catch (error) {
    if (error instanceof errors.JOSEError) return false;
    throw error;
  }
}

function relayAccepts(token: string): boolean {
  try {
    relay.verify(token);
    return true;
  } catch (error) {
    if (!isPassportError(error)) throw error;
    return false;
  }
}

describe('interoperability with jose', () => {
  it('passports the SDK mints verify with jose jwtVerify', async () => {
    const token = relay.issue({ sub: 'user-1', roles: ['admin'] });
    const { payload, protectedHeader } = await jwtVerify(token, joseKeys, joseOptions);
    expect(protectedHeader).toMatchObject({ alg: 'EdDSA', kid: 'ed-1' });
    expect(payload).toMatchObject({ sub: 'user-1', roles: ['admin'], iss: ISSUER });
  });

  it('passports jose mints (EdDSA and HS256) are accepted', async () => {
    const edToken = await new SignJWT({ tenant: 't1' })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'ed-1' })
      .setSubject('user-2')
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(ed.privateKey);
    const hsToken = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', kid: 'hs-1' })
      .setSubject('user-3')
      .setIssuer(ISSUER)
      .setExpirationTime('5m')
      .sign(secret);
    expect(relay.verify(edToken)).toMatchObject({ sub: 'user-2', tenant: 't1' });
    expect(relay.verify(hsToken).sub).toBe('user-3');
  });

  it('is stricter than jose where RFC 7519 is: "sub" must be a non-empty string', async () => {
    // jose's requiredClaims only checks presence; a passport must name its caller.
    for (const sub of [42, '', ['user-1']]) {
      const token = forge({ alg: 'HS256', kid: 'hs-1' }, claims({ sub }), { hmac: secret });
      expect(await joseAccepts(token)).toBe(true);
      expect(relayAccepts(token)).toBe(false);
    }
  });

  it('is stricter than jose where RFC 7515 is: a non-canonical signature segment', async () => {
    // RFC 7515 §7.1: compact JWS uses unpadded base64url with no whitespace. jose's decoder
    // tolerates both in the signature (where its atob sees a whole quantum, as with HS256's 43
    // characters); passport-relay refuses them so that a token has exactly one spelling.
    const token = forge({ alg: 'HS256', kid: 'hs-1' }, claims(), { hmac: secret });
    for (const variant of [`${token}=`, `${token.slice(0, -10)} ${token.slice(-10)}`]) {
      expect(await joseAccepts(variant)).toBe(true);
      expect(relayAccepts(variant)).toBe(false);
    }
  });
});

// Near-valid tokens: a valid token or a forged one, then a structural mutation.
const base64urlChar = fc.constantFrom(
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_',
);
type Mutation = { kind: string; at?: number; char?: string; order?: number[] };

// Each dimension is usually valid and occasionally wrong, so both verdicts occur often.
const mostly = <T>(valid: fc.Arbitrary<T>, ...invalid: fc.Arbitrary<T>[]) =>
  fc.oneof(
    { arbitrary: valid, weight: invalid.length * 6 },
    ...invalid.map((arbitrary) => ({ arbitrary, weight: 1 })),
  );
const headerArb = mostly<Record<string, unknown>>(
  fc.constantFrom(
    { alg: 'EdDSA', kid: 'ed-1' },
    { alg: 'EdDSA' },
    { alg: 'HS256', kid: 'hs-1' },
    { alg: 'HS256' },
  ),
  fc.constant({ alg: 'HS256', kid: 'ed-1' }),
  fc.constant({ alg: 'EdDSA', kid: 'hs-1' }),
  fc.constant({ alg: 'none' }),
  fc.constant({ alg: 'RS256', kid: 'ed-1' }),
  fc.constant({ alg: 'EdDSA', kid: 'unknown' }),
  fc.constant({ alg: 'HS256', kid: 7 }),
  fc.constant({ kid: 'ed-1' }),
);
const payloadArb = fc.record(
  {
    sub: mostly(fc.constant('user-1'), fc.constant(undefined)),
    iss: mostly(fc.constant(ISSUER), fc.constant('https://evil.test'), fc.constant(undefined)),
    exp: mostly<number | string | undefined>(
      fc.integer({ min: 30, max: 600 }).map((d) => now() + d),
      fc.integer({ min: -120, max: -10 }).map((d) => now() + d),
      fc.constant('soon'),
      fc.constant(undefined),
    ),
    nbf: mostly(
      fc.constant(undefined),
      fc.integer({ min: 10, max: 120 }).map((d) => now() + d),
    ),
    iat: mostly<number | string>(fc.constant(now()), fc.constant('now')),
    tenant: fc.string({ maxLength: 12 }),
  },
  { requiredKeys: ['tenant'] },
);
const signerArb = mostly(
  fc.constant('matching'),
  fc.constant('other-ed'),
  fc.constant('none'),
  fc.constant('hs'),
);
const other = ed25519Pair();
const mutationArb = mostly<Mutation>(
  fc.constant({ kind: 'none' as const }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), char: base64urlChar }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('segments' as const),
    order: fc.constantFrom([1, 0, 2], [0, 2, 1], [0, 1]),
  }),
);

function mutate(token: string, mutation: Mutation): string {
  switch (mutation.kind) {
    case 'replace': {
      const at = (mutation.at ?? 0) % token.length;
      if (token[at] === '.') return token;
      return token.slice(0, at) + mutation.char + token.slice(at + 1);
    }
    case 'delete': {
      const at = (mutation.at ?? 0) % token.length;
      return token.slice(0, at) + token.slice(at + 1);
    }
    case 'segments': {
      const parts = token.split('.');
      return (mutation.order ?? []).map((i) => parts[i] ?? '').join('.');
    }
    default:
      return token;
  }
}

describe('accepts and refuses exactly what jose does (property)', () => {
  it('agrees with jose jwtVerify on near-valid tokens', async () => {
    const verdicts = { accepted: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(
        headerArb,
        payloadArb,
        signerArb,
        mutationArb,
        async (header, payload, signer, mutation) => {
          const chosen = signer === 'matching' ? (header.alg === 'HS256' ? 'hs' : 'ed') : signer;
          const signWith =
            chosen === 'ed'
              ? { ed25519: ed.privateKey }
              : chosen === 'other-ed'
                ? { ed25519: other.privateKey }
                : chosen === 'hs'
                  ? { hmac: secret }
                  : {};
          const token = mutate(forge(header, payload, signWith), mutation);
          const accepted = relayAccepts(token);
          expect(accepted).toBe(await joseAccepts(token));
          verdicts[accepted ? 'accepted' : 'refused']++;
        },
      ),
      { numRuns: 3000 },
    );
    // Both verdicts must be well represented, or the agreement would say little.
    expect(verdicts.accepted).toBeGreaterThan(30);
    expect(verdicts.refused).toBeGreaterThan(300);
  }, 60_000); // thousands of runs: the default 5 s is not enough on a shared CI machine
});
