import { describe, expect, it } from 'vitest';
import {
  compileNamePolicy,
  createRelay,
  DEFAULT_MAX_MESSAGE_AGE_SECONDS,
  extractFromMessage,
  messageConsumePolicy,
  signedCodec,
} from '../src/index.js';
import { claims, ed25519Pair, forge, ISSUER, now } from './helpers.js';

function relayWithKey() {
  const { publicKey, privateKey } = ed25519Pair();
  const relay = createRelay({
    codec: signedCodec({ issuer: ISSUER, keys: [{ alg: 'EdDSA', kid: 'k', key: publicKey }] }),
  });
  const sign = (payload: Record<string, unknown>) =>
    forge({ alg: 'EdDSA', kid: 'k' }, payload, { ed25519: privateKey });
  return { relay, sign };
}

describe('compileNamePolicy', () => {
  it('allows exact names and NATS-style wildcards, and nothing else', () => {
    const policy = compileNamePolicy(['emails', 'orders.*', 'audit.>']);
    expect(policy.allows('emails')).toBe(true);
    expect(policy.allows('emails.x')).toBe(false);
    expect(policy.allows('orders.created')).toBe(true);
    expect(policy.allows('orders.eu.created')).toBe(false);
    expect(policy.allows('orders')).toBe(false);
    expect(policy.allows('audit')).toBe(false);
    expect(policy.allows('audit.a.b')).toBe(true);
    expect(policy.allows('orders..x')).toBe(false);
    expect(policy.allows('')).toBe(false);
  });

  it('denies everything when empty', () => {
    expect(compileNamePolicy([]).allows('anything')).toBe(false);
  });

  it('refuses patterns that are not names, saying how to write one', () => {
    for (const bad of ['', 'a.>.b', 'a b', 'a..b', 'or*ders']) {
      expect(() => compileNamePolicy([bad])).toThrow(/ERR_PASSPORT_OPTIONS|name pattern|non-empty/);
    }
    expect(() => compileNamePolicy('emails' as never)).toThrow(/array/);
  });
});

describe('messageConsumePolicy', () => {
  it('defaults to one hour from iat, and a passport is required', () => {
    const policy = messageConsumePolicy();
    expect(policy.maxMessageAgeSeconds).toBe(DEFAULT_MAX_MESSAGE_AGE_SECONDS);
    expect(policy.maxMessageAgeSeconds).toBe(3600);
    expect(policy.required).toBe(true);
  });

  it('refuses bad options at creation', () => {
    expect(() => messageConsumePolicy({ maxMessageAgeSeconds: -1 })).toThrow(/maxMessageAge/);
    expect(() => messageConsumePolicy({ maxMessageAgeSeconds: 1.5 })).toThrow(/maxMessageAge/);
    expect(() => messageConsumePolicy({ maxAge: 1 } as never)).toThrow(/unknown option "maxAge"/);
  });

  it('accepts a passport that expired while its message waited, within the bound', () => {
    const { relay, sign } = relayWithKey();
    const t = now();
    const token = sign(claims({ iat: t - 900, exp: t - 600 }));
    expect(() => relay.verify(token)).toThrow(
      expect.objectContaining({ code: 'ERR_PASSPORT_EXPIRED' }),
    );
    const context = extractFromMessage(relay, { passport: token }, messageConsumePolicy());
    expect(context.passport?.sub).toBe('user-1');
    // never remembered as valid: the HTTP path still refuses it
    expect(() => relay.extract({ passport: token })).toThrow(
      expect.objectContaining({ code: 'ERR_PASSPORT_EXPIRED' }),
    );
  });

  it('refuses a passport issued longer ago than the bound', () => {
    const { relay, sign } = relayWithKey();
    const t = now();
    const token = sign(claims({ iat: t - 4000, exp: t - 3700 }));
    expect(() => extractFromMessage(relay, { passport: token }, messageConsumePolicy())).toThrow(
      expect.objectContaining({ code: 'ERR_PASSPORT_EXPIRED' }),
    );
  });

  it('checks exp at consume time with maxMessageAgeSeconds: 0', () => {
    const { relay, sign } = relayWithKey();
    const t = now();
    const token = sign(claims({ iat: t - 60, exp: t - 30 }));
    const strict = messageConsumePolicy({ maxMessageAgeSeconds: 0 });
    expect(() => extractFromMessage(relay, { passport: token }, strict)).toThrow(
      expect.objectContaining({ code: 'ERR_PASSPORT_EXPIRED' }),
    );
  });

  it('still checks signature and issuer on an expired passport', () => {
    const { relay, sign } = relayWithKey();
    const other = relayWithKey();
    const t = now();
    const policy = messageConsumePolicy();
    const forged = other.sign(claims({ iat: t - 900, exp: t - 600 }));
    expect(() => extractFromMessage(relay, { passport: forged }, policy)).toThrow(
      expect.objectContaining({ code: 'ERR_PASSPORT_SIGNATURE' }),
    );
    const wrongIssuer = sign(claims({ iss: 'https://evil.test', iat: t - 900, exp: t - 600 }));
    expect(() => extractFromMessage(relay, { passport: wrongIssuer }, policy)).toThrow(
      expect.objectContaining({ code: 'ERR_PASSPORT_CLAIM_INVALID' }),
    );
  });

  it('refuses a passport value that is not a string, e.g. an object in job data', () => {
    const { relay } = relayWithKey();
    for (const value of [{ toString: () => 'x' }, 42, ['a', 1], true]) {
      expect(() => extractFromMessage(relay, { passport: value }, messageConsumePolicy())).toThrow(
        expect.objectContaining({ code: 'ERR_PASSPORT_MALFORMED' }),
      );
    }
    expect(() =>
      extractFromMessage(relay, { passport: ['a', 'b'] }, messageConsumePolicy()),
    ).toThrow(expect.objectContaining({ code: 'ERR_PASSPORT_DUPLICATE' }));
  });

  it('refuses a message without a passport unless told otherwise', () => {
    const { relay } = relayWithKey();
    expect(() => extractFromMessage(relay, {}, messageConsumePolicy())).toThrow(
      expect.objectContaining({ code: 'ERR_PASSPORT_MISSING' }),
    );
    const optional = messageConsumePolicy({ required: false });
    expect(extractFromMessage(relay, {}, optional).passport).toBeUndefined();
  });
});
