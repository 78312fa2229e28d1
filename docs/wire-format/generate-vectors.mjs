#!/usr/bin/env node
// Writes docs/wire-format/vectors-v1.json: the passport profile's test vectors.
//
//   node docs/wire-format/generate-vectors.mjs > docs/wire-format/vectors-v1.json
//
// Deterministic: keys come from fixed seeds, Ed25519 and HMAC signatures are deterministic, and
// every time is relative to a fixed `now`, so running it again writes the same file. Tokens are
// built here with node:crypto alone, not with the SDK they test. The keys are TEST KEYS, published
// on purpose: never use them anywhere else.
import { createHash, createHmac, createPrivateKey, sign } from 'node:crypto';

const NOW = 1_800_000_000; // 2027-01-15T08:00:00Z
const ISSUER = 'https://edge.passport-relay.test';
const AUDIENCE = 'orders';
const TOLERANCE = 5;
const MAX_BYTES = 4096;

const b64url = (value) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

function ed25519(kid) {
  const seed = createHash('sha256').update(`passport-relay wire-format v1 ${kid}`).digest();
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  const { x, d } = privateKey.export({ format: 'jwk' });
  return {
    privateKey,
    publicJwk: { kty: 'OKP', crv: 'Ed25519', x, kid, alg: 'EdDSA', use: 'sig' },
    privateJwk: { kty: 'OKP', crv: 'Ed25519', x, d, kid, alg: 'EdDSA' },
  };
}

const ed1 = ed25519('ed-1');
const attacker = ed25519('attacker');
const hsSecret = Buffer.from('passport-relay wire-format v1 HS256 test secret (not for use)');
const hs1 = { kty: 'oct', k: hsSecret.toString('base64url'), kid: 'hs-1', alg: 'HS256' };

function jws(header, payload, { ed, hmac, signature } = {}) {
  const input = `${b64url(header)}.${b64url(payload)}`;
  let sig = signature ?? '';
  if (ed) sig = sign(null, Buffer.from(input), ed).toString('base64url');
  if (hmac) sig = createHmac('sha256', hmac).update(input).digest('base64url');
  return `${input}.${sig}`;
}

const claims = (extra = {}) => ({
  sub: 'user-1',
  iss: ISSUER,
  aud: AUDIENCE,
  iat: NOW - 60,
  exp: NOW + 240,
  jti: '6f1c1f7e-6c38-4c1e-9a8e-2a5d8c9b1f00',
  email: 'ada@example.com',
  roles: ['buyer'],
  tenant: 'acme',
  ...extra,
});
const without = (name) => {
  const all = claims();
  delete all[name];
  return all;
};

const edHeader = { alg: 'EdDSA', kid: 'ed-1', typ: 'JWT' };
const hsHeader = { alg: 'HS256', kid: 'hs-1', typ: 'JWT' };
const verify = {
  mode: 'signed',
  keys: ['ed-1', 'hs-1'],
  issuer: ISSUER,
  audience: [AUDIENCE],
  now: NOW,
  clockToleranceSeconds: TOLERANCE,
  maxHeaderBytes: MAX_BYTES,
};
const accept = (token) => ({
  verdict: 'accept',
  claims: JSON.parse(Buffer.from(token.split('.')[1], 'base64url')),
});
const refuse = (code, status = 401) => ({ verdict: 'refuse', code, status });

const signed = [];
function vector(id, description, token, expect, overrides = {}) {
  signed.push({
    id: `passport/${id}`,
    profile: 'passport',
    description,
    token,
    verify: { ...verify, ...overrides },
    expect: expect === 'accept' ? accept(token) : expect,
  });
}

const edValid = jws(edHeader, claims(), { ed: ed1.privateKey });
vector('eddsa/valid', 'EdDSA (Ed25519) passport, key selected by kid.', edValid, 'accept');
vector(
  'hs256/valid',
  'HS256 passport, key selected by kid.',
  jws(hsHeader, claims(), { hmac: hsSecret }),
  'accept',
);
vector(
  'eddsa/no-kid',
  "No kid: every key of the header's algorithm is tried.",
  jws({ alg: 'EdDSA', typ: 'JWT' }, claims(), { ed: ed1.privateKey }),
  'accept',
);
vector(
  'eddsa/no-typ',
  'typ is optional.',
  jws({ alg: 'EdDSA', kid: 'ed-1' }, claims(), { ed: ed1.privateKey }),
  'accept',
);
vector(
  'eddsa/aud-list',
  'aud as a list that includes the service.',
  jws(edHeader, claims({ aud: ['payments', AUDIENCE] }), { ed: ed1.privateKey }),
  'accept',
);
vector(
  'eddsa/no-aud-service-without-audience',
  'No aud, and the service expects none.',
  jws(edHeader, without('aud'), { ed: ed1.privateKey }),
  'accept',
  { audience: null },
);
vector(
  'eddsa/expired-within-tolerance',
  'exp 3 s ago: within the 5 s clock tolerance.',
  jws(edHeader, claims({ exp: NOW - 3 }), { ed: ed1.privateKey }),
  'accept',
);
vector(
  'eddsa/nbf-within-tolerance',
  'nbf 3 s ahead: within the 5 s clock tolerance.',
  jws(edHeader, claims({ nbf: NOW + 3 }), { ed: ed1.privateKey }),
  'accept',
);
vector(
  'eddsa/minimal',
  'Only the required claims: sub, iss, aud (when expected), exp.',
  jws(
    edHeader,
    { sub: 'user-2', iss: ISSUER, aud: AUDIENCE, exp: NOW + 60 },
    { ed: ed1.privateKey },
  ),
  'accept',
);

vector(
  'refuse/expired',
  'exp 10 s ago: beyond the tolerance.',
  jws(edHeader, claims({ exp: NOW - 10 }), { ed: ed1.privateKey }),
  refuse('ERR_PASSPORT_EXPIRED'),
);
vector(
  'refuse/expired-at-edge',
  'exp exactly now - tolerance is expired (exp <= now - tolerance).',
  jws(edHeader, claims({ exp: NOW - TOLERANCE }), { ed: ed1.privateKey }),
  refuse('ERR_PASSPORT_EXPIRED'),
);
vector(
  'refuse/not-yet-valid',
  'nbf 60 s ahead.',
  jws(edHeader, claims({ nbf: NOW + 60 }), { ed: ed1.privateKey }),
  refuse('ERR_PASSPORT_NOT_YET_VALID'),
);
vector(
  'refuse/no-exp',
  'exp is required.',
  jws(edHeader, without('exp'), { ed: ed1.privateKey }),
  refuse('ERR_PASSPORT_CLAIM_INVALID'),
);
vector(
  'refuse/exp-not-a-number',
  'exp must be a JSON number, not a string of digits.',
  jws(edHeader, claims({ exp: String(NOW + 240) }), { ed: ed1.privateKey }),
  refuse('ERR_PASSPORT_CLAIM_INVALID'),
);
vector(
  'refuse/no-sub',
  'sub is required.',
  jws(edHeader, without('sub'), { ed: ed1.privateKey }),
  refuse('ERR_PASSPORT_CLAIM_INVALID'),
);
vector(
  'refuse/empty-sub',
  'sub must be a non-empty string.',
  jws(edHeader, claims({ sub: '' }), { ed: ed1.privateKey }),
  refuse('ERR_PASSPORT_CLAIM_INVALID'),
);
vector(
  'refuse/wrong-issuer',
  'iss is not the expected issuer.',
  jws(edHeader, claims({ iss: 'https://other.test' }), { ed: ed1.privateKey }),
  refuse('ERR_PASSPORT_CLAIM_INVALID'),
);
vector(
  'refuse/wrong-audience',
  'aud does not include the service.',
  jws(edHeader, claims({ aud: 'payments' }), { ed: ed1.privateKey }),
  refuse('ERR_PASSPORT_CLAIM_INVALID'),
);
vector(
  'refuse/no-aud',
  'No aud, and the service expects one.',
  jws(edHeader, without('aud'), { ed: ed1.privateKey }),
  refuse('ERR_PASSPORT_CLAIM_INVALID'),
);
vector(
  'refuse/alg-none',
  'alg none is never accepted.',
  jws({ alg: 'none', typ: 'JWT' }, claims(), { signature: '' }),
  refuse('ERR_PASSPORT_ALGORITHM'),
);
vector(
  'refuse/alg-rs256',
  'An algorithm outside the profile.',
  jws({ alg: 'RS256', kid: 'ed-1', typ: 'JWT' }, claims(), { signature: b64url('x'.repeat(256)) }),
  refuse('ERR_PASSPORT_ALGORITHM'),
);
vector(
  'refuse/alg-confusion',
  'HS256 "signed" with the Ed25519 public key as the HMAC secret, naming the Ed25519 kid.',
  jws({ alg: 'HS256', kid: 'ed-1', typ: 'JWT' }, claims(), {
    hmac: Buffer.from(ed1.publicJwk.x, 'base64url'),
  }),
  refuse('ERR_PASSPORT_KEY_UNKNOWN'),
);
vector(
  'refuse/unknown-kid',
  'A kid the service does not have.',
  jws({ alg: 'EdDSA', kid: 'attacker', typ: 'JWT' }, claims(), { ed: attacker.privateKey }),
  refuse('ERR_PASSPORT_KEY_UNKNOWN'),
);
vector(
  'refuse/embedded-jwk',
  "The attacker's key embedded in the header (jwk) is never used.",
  jws({ alg: 'EdDSA', typ: 'JWT', jwk: attacker.publicJwk }, claims(), { ed: attacker.privateKey }),
  refuse('ERR_PASSPORT_SIGNATURE'),
);
vector(
  'refuse/jku',
  "A jku pointing at the attacker's JWKS is never fetched.",
  jws(
    { alg: 'EdDSA', kid: 'attacker', typ: 'JWT', jku: 'https://attacker.test/jwks.json' },
    claims(),
    { ed: attacker.privateKey },
  ),
  refuse('ERR_PASSPORT_KEY_UNKNOWN'),
);
vector(
  'refuse/x5u-with-known-kid',
  "x5u is ignored; the kid names a real key that does not verify the attacker's signature.",
  jws({ alg: 'EdDSA', kid: 'ed-1', typ: 'JWT', x5u: 'https://attacker.test/cert.pem' }, claims(), {
    ed: attacker.privateKey,
  }),
  refuse('ERR_PASSPORT_SIGNATURE'),
);
vector(
  'refuse/tampered-payload',
  'A valid token whose payload was changed after signing.',
  `${edValid.split('.')[0]}.${b64url(claims({ sub: 'admin' }))}.${edValid.split('.')[2]}`,
  refuse('ERR_PASSPORT_SIGNATURE'),
);
vector(
  'refuse/hs256-wrong-secret',
  'HS256 with another secret.',
  jws(hsHeader, claims(), {
    hmac: Buffer.from('another secret that is at least thirty-two bytes'),
  }),
  refuse('ERR_PASSPORT_SIGNATURE'),
);
const [edH, edP, edS] = edValid.split('.');
const truncated = Buffer.from(edS, 'base64url').subarray(0, 63).toString('base64url');
vector(
  'refuse/truncated-signature',
  'An Ed25519 signature one byte short.',
  `${edH}.${edP}.${truncated}`,
  refuse('ERR_PASSPORT_SIGNATURE'),
);
vector(
  'refuse/crit',
  'A crit header: extensions are not understood, so refused.',
  jws({ ...edHeader, crit: ['exp'] }, claims(), { ed: ed1.privateKey }),
  refuse('ERR_PASSPORT_MALFORMED'),
);
vector(
  'refuse/two-segments',
  'Not a compact JWS.',
  edValid.slice(0, edValid.lastIndexOf('.')),
  refuse('ERR_PASSPORT_MALFORMED'),
);
vector(
  'refuse/header-not-json',
  'A header that is not JSON.',
  `${b64url('{alg:EdDSA')}.${edValid.split('.')[1]}.${edValid.split('.')[2]}`,
  refuse('ERR_PASSPORT_MALFORMED'),
);
vector(
  'refuse/too-large',
  `Validly signed, but the header value is larger than ${MAX_BYTES} bytes.`,
  jws(edHeader, claims({ pad: 'x'.repeat(MAX_BYTES) }), { ed: ed1.privateKey }),
  refuse('ERR_PASSPORT_TOO_LARGE', 431),
);

const plainVerify = {
  mode: 'plain',
  keys: [],
  now: NOW,
  clockToleranceSeconds: TOLERANCE,
  maxHeaderBytes: MAX_BYTES,
};
const plainClaims = { sub: 'user-1', iss: 'https://idp.example', exp: NOW + 240, roles: ['buyer'] };
const plainToken = b64url(plainClaims);
const padded = Buffer.from(JSON.stringify({ ...plainClaims, sub: 'user-12' }))
  .toString('base64')
  .replace(/\+/g, '-')
  .replace(/\//g, '_');
const plain = [
  {
    id: 'passport/plain/unpadded',
    profile: 'passport',
    description: 'Plain mode: base64url JSON, unpadded.',
    token: plainToken,
    verify: plainVerify,
    expect: { verdict: 'accept', claims: plainClaims },
  },
  {
    id: 'passport/plain/padded',
    profile: 'passport',
    description: "Plain mode: padded base64url, as Istio's outputPayloadToHeader may emit.",
    token: padded,
    verify: plainVerify,
    expect: { verdict: 'accept', claims: { ...plainClaims, sub: 'user-12' } },
  },
  {
    id: 'passport/plain/expired',
    profile: 'passport',
    description: 'Plain mode still checks exp.',
    token: b64url({ ...plainClaims, exp: NOW - 60 }),
    verify: plainVerify,
    expect: refuse('ERR_PASSPORT_EXPIRED'),
  },
  {
    id: 'passport/plain/no-sub',
    profile: 'passport',
    description: 'Plain mode still needs sub.',
    token: b64url({ iss: 'x', exp: NOW + 60 }),
    verify: plainVerify,
    expect: refuse('ERR_PASSPORT_CLAIM_INVALID'),
  },
  {
    id: 'passport/plain/jws-is-not-plain',
    profile: 'passport',
    description: 'A compact JWS is not a plain passport.',
    token: edValid,
    verify: plainVerify,
    expect: refuse('ERR_PASSPORT_MALFORMED'),
  },
];

const file = {
  $comment:
    'passport-relay wire-format test vectors. Spec: docs/wire-format.md. Generated by docs/wire-format/generate-vectors.mjs. The keys are published TEST keys: never use them elsewhere.',
  version: 1,
  profiles: {
    passport: 'docs/wire-format.md#the-passport-profile',
  },
  keys: {
    'ed-1': { public: ed1.publicJwk, private: ed1.privateJwk },
    'hs-1': { secret: hs1 },
    attacker: { public: attacker.publicJwk, private: attacker.privateJwk },
  },
  vectors: [...signed, ...plain],
};
process.stdout.write(`${JSON.stringify(file, null, 2)}\n`);
