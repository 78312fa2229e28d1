import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createRelay,
  isPassportError,
  type PassportCodec,
  plainCodecTrustingMesh,
  signedCodec,
} from '../src/index.js';

/** docs/wire-format/vectors-v1.json: the spec's test vectors, shared with other languages. */
interface VectorFile {
  readonly version: number;
  readonly keys: Record<string, { public?: object; private?: object; secret?: object }>;
  readonly vectors: readonly Vector[];
}
interface Vector {
  readonly id: string;
  readonly profile: string;
  readonly token: string;
  readonly verify: {
    readonly mode: 'signed' | 'plain';
    readonly keys: readonly string[];
    readonly issuer?: string;
    readonly audience?: readonly string[] | null;
    readonly now: number;
    readonly clockToleranceSeconds: number;
    readonly maxHeaderBytes: number;
  };
  readonly expect:
    | { readonly verdict: 'accept'; readonly claims: Record<string, unknown> }
    | { readonly verdict: 'refuse'; readonly code: string; readonly status: number };
}

const file: VectorFile = JSON.parse(
  readFileSync(new URL('../../../docs/wire-format/vectors-v1.json', import.meta.url), 'utf8'),
);
// Other profiles (Transaction Tokens) share the file and are checked by their own suites.
const passportVectors = file.vectors.filter((vector) => vector.profile === 'passport');

function codecFor(vector: Vector): PassportCodec {
  const { verify } = vector;
  if (verify.mode === 'plain') {
    return plainCodecTrustingMesh({ clockToleranceSeconds: verify.clockToleranceSeconds });
  }
  const keys = verify.keys.map((name) => {
    const key = file.keys[name];
    const jwk = key?.public ?? key?.secret;
    if (jwk === undefined) throw new Error(`${vector.id}: no key "${name}" in the file`);
    return jwk;
  });
  return signedCodec({
    keys: keys as never,
    ...(verify.issuer === undefined ? {} : { issuer: verify.issuer }),
    ...(verify.audience ? { audience: verify.audience } : {}),
    clockToleranceSeconds: verify.clockToleranceSeconds,
  });
}

function verdictOf(vector: Vector): Vector['expect'] {
  const relay = createRelay({
    codec: codecFor(vector),
    limits: { maxHeaderBytes: vector.verify.maxHeaderBytes },
    cache: false,
  });
  try {
    return { verdict: 'accept', claims: { ...relay.verify(vector.token) } };
  } catch (error) {
    if (!isPassportError(error)) throw error;
    return { verdict: 'refuse', code: error.code, status: error.status };
  }
}

describe('wire format v1: the test vectors', () => {
  afterEach(() => vi.useRealTimers());

  it('is version 1, with a profile and a unique id on every vector', () => {
    expect(file.version).toBe(1);
    const ids = file.vectors.map((vector) => vector.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(file.vectors.filter((vector) => typeof vector.profile !== 'string')).toEqual([]);
    expect(passportVectors.length).toBeGreaterThanOrEqual(35);
  });

  it.each(passportVectors.map((vector) => [vector.id, vector] as const))('%s', (_id, vector) => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(vector.verify.now * 1000);
    expect(verdictOf(vector)).toEqual(vector.expect);
  });

  it('is what the SDK mints: header { alg, kid, typ: "JWT" } and the registered claims', () => {
    const ed1 = file.keys['ed-1']!;
    const relay = createRelay({
      codec: signedCodec({
        issuer: 'https://edge.passport-relay.test',
        audience: 'orders',
        keys: [ed1.public as never],
        signingKey: { alg: 'EdDSA', kid: 'ed-1', key: ed1.private as never },
      }),
    });
    const token = relay.issue({ sub: 'user-1', roles: ['buyer'] });
    const [header, payload] = token
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')));
    expect(header).toEqual({ alg: 'EdDSA', kid: 'ed-1', typ: 'JWT' });
    expect(Object.keys(payload).sort()).toEqual(
      ['aud', 'exp', 'iat', 'iss', 'jti', 'roles', 'sub'].sort(),
    );
    expect(payload.exp - payload.iat).toBe(300);
  });
});
