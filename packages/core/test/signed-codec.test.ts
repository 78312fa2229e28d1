import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createRelay, isPassportError, type PassportErrorCode, signedCodec } from '../src/index.js';
import { b64url, claims, ed25519Pair, forge, hmacSecret, ISSUER, now } from './helpers.js';

const ed = ed25519Pair();
const other = ed25519Pair();
const secret = hmacSecret();

function relayFor(extra: Partial<Parameters<typeof signedCodec>[0]> = {}) {
  return createRelay({
    codec: signedCodec({
      issuer: ISSUER,
      keys: [
        { alg: 'EdDSA', kid: 'ed-1', key: ed.publicKey },
        { alg: 'HS256', kid: 'hs-1', secret },
      ],
      ...extra,
    }),
    cache: false,
  });
}

function codeOf(fn: () => unknown): PassportErrorCode | 'accepted' {
  try {
    fn();
    return 'accepted';
  } catch (error) {
    if (isPassportError(error)) return error.code;
    throw error;
  }
}

describe('signed codec: accepted passports', () => {
  it('verifies an EdDSA passport selected by kid', () => {
    const token = forge({ alg: 'EdDSA', kid: 'ed-1' }, claims({ tenant: 't1' }), {
      ed25519: ed.privateKey,
    });
    expect(relayFor().verify(token)).toMatchObject({ sub: 'user-1', tenant: 't1' });
  });

  it('verifies an HS256 passport selected by kid', () => {
    const token = forge({ alg: 'HS256', kid: 'hs-1' }, claims(), { hmac: secret });
    expect(relayFor().verify(token).sub).toBe('user-1');
  });

  it('accepts a token without kid when a key of its algorithm verifies it', () => {
    const token = forge({ alg: 'HS256' }, claims(), { hmac: secret });
    expect(relayFor().verify(token).sub).toBe('user-1');
  });

  it('accepts tokens of both keys during a rotation', () => {
    const relay = createRelay({
      codec: signedCodec({
        issuer: ISSUER,
        keys: [
          { alg: 'EdDSA', kid: 'old', key: ed.publicKey },
          { alg: 'EdDSA', kid: 'new', key: other.publicKey },
        ],
      }),
    });
    const oldToken = forge({ alg: 'EdDSA', kid: 'old' }, claims(), { ed25519: ed.privateKey });
    const newToken = forge({ alg: 'EdDSA', kid: 'new' }, claims(), { ed25519: other.privateKey });
    expect(relay.verify(oldToken).sub).toBe('user-1');
    expect(relay.verify(newToken).sub).toBe('user-1');
  });

  it('accepts keys given as a JWKS', () => {
    const jwk = ed.publicKey.export({ format: 'jwk' });
    const relay = createRelay({
      codec: signedCodec({ issuer: ISSUER, keys: { keys: [{ ...jwk, kid: 'ed-1' }] } }),
    });
    const token = forge({ alg: 'EdDSA', kid: 'ed-1' }, claims(), { ed25519: ed.privateKey });
    expect(relay.verify(token).sub).toBe('user-1');
  });

  it('tolerates a few seconds of clock skew on exp and nbf', () => {
    const t = now();
    const token = forge({ alg: 'HS256' }, claims({ exp: t - 2, nbf: t + 2 }), { hmac: secret });
    expect(relayFor().verify(token).sub).toBe('user-1');
  });

  it('returns frozen, prototype-free passports', () => {
    const token = forge({ alg: 'HS256' }, claims({ org: { id: 'o1' } }), { hmac: secret });
    const passport = relayFor().verify(token);
    expect(Object.getPrototypeOf(passport)).toBeNull();
    expect(Object.getPrototypeOf(passport.org)).toBeNull();
    expect(Object.isFrozen(passport)).toBe(true);
  });

  it('keeps a "__proto__" claim as an inert own property', () => {
    // Built as text: an object literal or JSON.parse result would not carry the key through.
    const payload = `{"sub":"u","iss":"${ISSUER}","exp":${now() + 60},"__proto__":{"admin":true}}`;
    const input = `${b64url({ alg: 'HS256' })}.${b64url(payload)}`;
    const token = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
    const passport = relayFor().verify(token) as Record<string, unknown>;
    expect(Object.getPrototypeOf(passport)).toBeNull();
    expect(Object.hasOwn(passport, '__proto__')).toBe(true);
    expect(passport.admin).toBeUndefined();
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });
});

describe('signed codec: the forgery matrix', () => {
  const valid = () => forge({ alg: 'EdDSA', kid: 'ed-1' }, claims(), { ed25519: ed.privateKey });
  const cases: [string, () => string, PassportErrorCode][] = [
    [
      'tampered payload',
      () => {
        const [h, , s] = valid().split('.');
        return `${h}.${b64url(claims({ sub: 'admin' }))}.${s}`;
      },
      'ERR_PASSPORT_SIGNATURE',
    ],
    [
      'tampered signature',
      () => {
        const token = valid();
        const last = token.at(-2) === 'A' ? 'B' : 'A';
        return `${token.slice(0, -2)}${last}${token.at(-1)}`;
      },
      'ERR_PASSPORT_SIGNATURE',
    ],
    [
      'signature removed',
      () => `${valid().split('.').slice(0, 2).join('.')}.`,
      'ERR_PASSPORT_SIGNATURE',
    ],
    ['alg none', () => forge({ alg: 'none' }, claims()), 'ERR_PASSPORT_ALGORITHM'],
    ['alg NONE', () => forge({ alg: 'NONE' }, claims()), 'ERR_PASSPORT_ALGORITHM'],
    [
      'alg RS256',
      () => forge({ alg: 'RS256' }, claims(), { signature: 'AAAA' }),
      'ERR_PASSPORT_ALGORITHM',
    ],
    [
      'HS256 signed with the EdDSA public key bytes (algorithm confusion)',
      () =>
        forge({ alg: 'HS256', kid: 'ed-1' }, claims(), {
          hmac: ed.publicKey.export({ format: 'der', type: 'spki' }),
        }),
      'ERR_PASSPORT_KEY_UNKNOWN',
    ],
    [
      'EdDSA token presented under the HS256 kid',
      () => forge({ alg: 'EdDSA', kid: 'hs-1' }, claims(), { ed25519: ed.privateKey }),
      'ERR_PASSPORT_KEY_UNKNOWN',
    ],
    [
      'unknown kid',
      () => forge({ alg: 'EdDSA', kid: 'who' }, claims(), { ed25519: ed.privateKey }),
      'ERR_PASSPORT_KEY_UNKNOWN',
    ],
    [
      'signed by an unknown key without kid',
      () => forge({ alg: 'EdDSA' }, claims(), { ed25519: other.privateKey }),
      'ERR_PASSPORT_SIGNATURE',
    ],
    [
      'expired',
      () => forge({ alg: 'EdDSA' }, claims({ exp: now() - 60 }), { ed25519: ed.privateKey }),
      'ERR_PASSPORT_EXPIRED',
    ],
    [
      'not yet valid',
      () => forge({ alg: 'EdDSA' }, claims({ nbf: now() + 60 }), { ed25519: ed.privateKey }),
      'ERR_PASSPORT_NOT_YET_VALID',
    ],
    [
      'no exp',
      () => forge({ alg: 'EdDSA' }, claims({ exp: undefined }), { ed25519: ed.privateKey }),
      'ERR_PASSPORT_CLAIM_INVALID',
    ],
    [
      'exp as a string',
      () =>
        forge({ alg: 'EdDSA' }, claims({ exp: String(now() + 60) }), { ed25519: ed.privateKey }),
      'ERR_PASSPORT_CLAIM_INVALID',
    ],
    [
      'wrong issuer',
      () =>
        forge({ alg: 'EdDSA' }, claims({ iss: 'https://evil.test' }), { ed25519: ed.privateKey }),
      'ERR_PASSPORT_CLAIM_INVALID',
    ],
    [
      'no sub',
      () => forge({ alg: 'EdDSA' }, claims({ sub: undefined }), { ed25519: ed.privateKey }),
      'ERR_PASSPORT_CLAIM_INVALID',
    ],
    [
      'crit header',
      () => forge({ alg: 'EdDSA', crit: ['exp'] }, claims(), { ed25519: ed.privateKey }),
      'ERR_PASSPORT_MALFORMED',
    ],
    [
      'two segments',
      () => `${b64url({ alg: 'EdDSA' })}.${b64url(claims())}`,
      'ERR_PASSPORT_MALFORMED',
    ],
    ['four segments', () => `${valid()}.AAAA`, 'ERR_PASSPORT_MALFORMED'],
    [
      'malformed base64 in header',
      () => `e!J.${valid().split('.').slice(1).join('.')}`,
      'ERR_PASSPORT_MALFORMED',
    ],
    [
      'header is not JSON',
      () => `${b64url('not json')}.${b64url(claims())}.AAAA`,
      'ERR_PASSPORT_MALFORMED',
    ],
    [
      'header is a JSON array',
      () => `${b64url([1])}.${b64url(claims())}.AAAA`,
      'ERR_PASSPORT_MALFORMED',
    ],
    [
      'payload is not JSON',
      () => {
        const input = `${b64url({ alg: 'HS256' })}.${b64url('nope')}`;
        return forge({ alg: 'HS256' }, 'nope', { hmac: secret }).replace(/^[^.]+\.[^.]+/, input);
      },
      'ERR_PASSPORT_MALFORMED',
    ],
    [
      'payload is a JSON array',
      () => forge({ alg: 'HS256' }, [claims()], { hmac: secret }),
      'ERR_PASSPORT_MALFORMED',
    ],
  ];

  it.each(cases)('refuses %s', (_name, make, code) => {
    expect(codeOf(() => relayFor().verify(make()))).toBe(code);
  });

  it('refuses a passport for another audience', () => {
    const relay = relayFor({ audience: 'orders' });
    const token = forge({ alg: 'HS256' }, claims({ aud: 'payments' }), { hmac: secret });
    expect(codeOf(() => relay.verify(token))).toBe('ERR_PASSPORT_CLAIM_INVALID');
    const ok = forge({ alg: 'HS256' }, claims({ aud: ['payments', 'orders'] }), { hmac: secret });
    expect(relay.verify(ok).sub).toBe('user-1');
  });

  it('refuses too many claims and too deep nesting', () => {
    const relay = createRelay({
      codec: signedCodec({ issuer: ISSUER, keys: [{ alg: 'HS256', secret }] }),
      limits: { maxClaims: 8, maxDepth: 3 },
    });
    const many = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`c${i}`, i]));
    const wide = forge({ alg: 'HS256' }, { ...claims(), ...many }, { hmac: secret });
    const deep = forge({ alg: 'HS256' }, claims({ a: { b: { c: { d: 1 } } } }), { hmac: secret });
    expect(codeOf(() => relay.verify(wide))).toBe('ERR_PASSPORT_MALFORMED');
    expect(codeOf(() => relay.verify(deep))).toBe('ERR_PASSPORT_MALFORMED');
  });

  it('never puts the token in an error message', () => {
    const token = forge({ alg: 'EdDSA' }, claims({ exp: now() - 60 }), { ed25519: ed.privateKey });
    try {
      relayFor().verify(token);
      expect.unreachable();
    } catch (error) {
      const text = `${(error as Error).message} ${JSON.stringify(error)}`;
      for (const part of token.split('.')) expect(text).not.toContain(part);
    }
  });
});

describe('signed codec: issuing', () => {
  it('issues passports with iat, exp, iss, aud and a jti', () => {
    const relay = createRelay({
      codec: signedCodec({
        issuer: ISSUER,
        audience: 'internal',
        ttlSeconds: 120,
        keys: [{ alg: 'EdDSA', kid: 'ed-1', key: ed.publicKey }],
        signingKey: { alg: 'EdDSA', kid: 'ed-1', key: ed.privateKey },
      }),
    });
    const passport = relay.verify(relay.issue({ sub: 'user-9', roles: ['admin'] }));
    expect(passport).toMatchObject({
      sub: 'user-9',
      roles: ['admin'],
      iss: ISSUER,
      aud: 'internal',
    });
    expect(passport.exp! - passport.iat!).toBe(120);
    expect(passport.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses to issue without a signing key, saying where the key goes', () => {
    expect(() => relayFor().issue({ sub: 'u' })).toThrow(/signingKey/);
    expect(codeOf(() => relayFor().issue({ sub: 'u' }))).toBe('ERR_PASSPORT_CANNOT_ISSUE');
  });
});

describe('signed codec: options are checked at creation', () => {
  it.each([
    ['no keys', { keys: [] }, /at least one verification key/],
    ['short HS256 secret', { keys: [{ alg: 'HS256', secret: 'short' }] }, /at least 32 bytes/],
    ['RSA JWK', { keys: [{ kty: 'RSA', n: 'x', e: 'AQAB' }] }, /not supported/],
    ['unknown alg', { keys: [{ alg: 'RS256', key: 'x' }] }, /EdDSA.*HS256/],
    [
      'duplicate kid',
      {
        keys: [
          { alg: 'HS256', kid: 'a', secret },
          { alg: 'HS256', kid: 'a', secret },
        ],
      },
      /share a "kid"/,
    ],
    ['ttl too long', { keys: [{ alg: 'HS256', secret }], ttlSeconds: 10 ** 7 }, /ttlSeconds/],
    [
      'public key as signing key',
      {
        keys: [{ alg: 'EdDSA', key: ed.publicKey }],
        signingKey: { alg: 'EdDSA', key: ed.publicKey },
      },
      /private key/,
    ],
  ])('refuses %s', (_name, options, message) => {
    expect(() => signedCodec(options as never)).toThrow(message);
    expect(codeOf(() => signedCodec(options as never))).toBe('ERR_PASSPORT_OPTIONS');
  });
});
