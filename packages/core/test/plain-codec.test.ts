import { describe, expect, it } from 'vitest';
import { createRelay, plainCodecTrustingMesh } from '../src/index.js';
import { now } from './helpers.js';

const relay = createRelay({ codec: plainCodecTrustingMesh(), cache: false });

// What Istio's RequestAuthentication.outputPayloadToHeader puts in the header: the JWT payload
// segment, base64url; Envoy pads it when pad_forward_payload_header is set.
const payload = { sub: 'user-1', email: 'a@example.com', iss: 'https://idp.test', exp: now() + 60 };
const unpadded = Buffer.from(JSON.stringify(payload)).toString('base64url');
const padded = unpadded.padEnd(Math.ceil(unpadded.length / 4) * 4, '=');

describe('plain codec (integrity from the mesh)', () => {
  it('decodes the unpadded base64url payload Istio emits', () => {
    expect(relay.verify(unpadded)).toMatchObject({ sub: 'user-1', email: 'a@example.com' });
  });

  it('decodes the padded form too', () => {
    expect(padded).not.toBe(unpadded);
    expect(relay.verify(padded).sub).toBe('user-1');
  });

  it('round-trips what it issues', () => {
    expect(relay.verify(relay.issue({ sub: 'user-2', roles: ['a'] }))).toMatchObject({
      sub: 'user-2',
      roles: ['a'],
    });
  });

  it.each([
    [
      'standard base64 alphabet',
      `${Buffer.from(JSON.stringify(payload)).toString('base64').replace(/=+$/, '')}+/`,
      'ERR_PASSPORT_MALFORMED',
    ],
    [
      'padding in the middle',
      `${unpadded.slice(0, 4)}=${unpadded.slice(4)}`,
      'ERR_PASSPORT_MALFORMED',
    ],
    ['wrong padding length', `${unpadded}===`, 'ERR_PASSPORT_MALFORMED'],
    ['not JSON', Buffer.from('hello').toString('base64url'), 'ERR_PASSPORT_MALFORMED'],
    ['a JSON string', Buffer.from('"sub"').toString('base64url'), 'ERR_PASSPORT_MALFORMED'],
    ['no sub', Buffer.from('{"email":"x"}').toString('base64url'), 'ERR_PASSPORT_CLAIM_INVALID'],
    [
      'expired',
      Buffer.from(JSON.stringify({ sub: 'u', exp: now() - 60 })).toString('base64url'),
      'ERR_PASSPORT_EXPIRED',
    ],
    [
      'not yet valid',
      Buffer.from(JSON.stringify({ sub: 'u', nbf: now() + 60 })).toString('base64url'),
      'ERR_PASSPORT_NOT_YET_VALID',
    ],
    ['a signed JWS', `${unpadded}.${unpadded}.sig`, 'ERR_PASSPORT_MALFORMED'],
  ])('refuses %s', (_name, value, code) => {
    expect(() => relay.verify(value)).toThrow(expect.objectContaining({ code }));
  });

  it('accepts a payload without exp (Istio already checked the JWT)', () => {
    const value = Buffer.from('{"sub":"u"}').toString('base64url');
    expect(relay.verify(value).sub).toBe('u');
  });

  it('says in its mode that it is plain', () => {
    expect(relay.mode).toBe('plain');
  });
});

describe('plain codec: issuing with a cap', () => {
  it('sets exp to the cap when the claims carry none or a later one', () => {
    const cap = now() + 30;
    expect(relay.verify(relay.issue({ sub: 'u' }, { expiresAtMost: cap })).exp).toBe(cap);
    expect(
      relay.verify(relay.issue({ sub: 'u', exp: cap + 100 }, { expiresAtMost: cap })).exp,
    ).toBe(cap);
  });
});
