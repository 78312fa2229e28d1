import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createRelay,
  type SigningKey,
  type SigningKeySource,
  signedCodec,
  type VerificationKeySet,
  type VerificationKeySource,
} from '../src/index.js';
import { ISSUER } from './helpers.js';

function pair(kid: string) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    signing: { alg: 'EdDSA', kid, key: privateKey } as SigningKey,
    jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'EdDSA' } as JsonWebKey,
  };
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'accepted';
  } catch (error) {
    return (error as { code: string }).code;
  }
}

describe('signedCodec with key sources', () => {
  it('follows a verification source as its key set changes, forgetting what it decided before', () => {
    const k1 = pair('k1');
    const k2 = pair('k2');
    let set: VerificationKeySet | undefined;
    let asked = 0;
    const source: VerificationKeySource = {
      currentKeys: () => set,
      keyUnknown: () => {
        asked++;
      },
    };
    const service = createRelay({
      codec: signedCodec({ issuer: ISSUER, keys: source }),
      cache: false,
    });
    const mint = (key: SigningKey) =>
      createRelay({
        codec: signedCodec({ issuer: ISSUER, keys: [k1.jwk, k2.jwk], signingKey: key }),
      }).issue({ sub: 'u' });
    const byK1 = mint(k1.signing);
    const byK2 = mint(k2.signing);

    expect(codeOf(() => service.verify(byK1))).toBe('ERR_PASSPORT_UNAVAILABLE');
    set = { keys: [k1.jwk] };
    expect(codeOf(() => service.verify(byK1))).toBe('accepted');
    expect(codeOf(() => service.verify(byK2))).toBe('ERR_PASSPORT_KEY_UNKNOWN');
    expect(asked).toBe(1);
    set = { keys: [k2.jwk] };
    expect(codeOf(() => service.verify(byK2))).toBe('accepted');
    expect(codeOf(() => service.verify(byK1))).toBe('ERR_PASSPORT_KEY_UNKNOWN');
  });

  it('skips a key a source hands out that is not a valid key, never trusting it', () => {
    const k1 = pair('k1');
    const source: VerificationKeySource = {
      currentKeys: () => ({
        keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'not-a-point', kid: 'bad' }, k1.jwk],
      }),
    };
    const service = createRelay({ codec: signedCodec({ issuer: ISSUER, keys: source }) });
    const token = createRelay({
      codec: signedCodec({ issuer: ISSUER, keys: [k1.jwk], signingKey: k1.signing }),
    }).issue({ sub: 'u' });
    expect(service.verify(token).sub).toBe('u');
  });

  it('signs with whatever key a signing source holds now', () => {
    const k1 = pair('k1');
    const k2 = pair('k2');
    let active = k1.signing;
    const signing: SigningKeySource = { currentSigningKey: () => active };
    const edge = createRelay({
      codec: signedCodec({ issuer: ISSUER, keys: [k1.jwk, k2.jwk], signingKey: signing }),
    });
    const kidOf = (token: string) =>
      JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid;
    expect(kidOf(edge.issue({ sub: 'u' }))).toBe('k1');
    active = k2.signing;
    const next = edge.issue({ sub: 'u' });
    expect(kidOf(next)).toBe('k2');
    expect(edge.verify(next).sub).toBe('u');
  });
});
