import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkOptions } from '../src/adapter.js';
import { plainCodecTrustingMesh, signedCodec } from '../src/index.js';

const keys = [{ alg: 'HS256' as const, secret: randomBytes(32) }];
const optionsError = expect.objectContaining({ code: 'ERR_PASSPORT_OPTIONS' });

describe('signedCodec checks every option', () => {
  it.each([
    ['a misspelt audience', { keys, audiance: 'orders' }, /unknown option "audiance".*"audience"/],
    ['a misspelt issuer', { keys, issuers: 'https://edge' }, /unknown option "issuers".*"issuer"/],
    ['an option of another call', { keys, propagateTo: ['*'] }, /unknown option "propagateTo"/],
  ])('refuses %s instead of silently skipping that check', (_name, options, message) => {
    expect(() => signedCodec(options as never)).toThrow(message);
    expect(() => signedCodec(options as never)).toThrow(optionsError);
  });

  it.each([undefined, null, 'keys', 42])(
    'refuses %s as its options with ERR_PASSPORT_OPTIONS, not a raw TypeError',
    (options) => {
      expect(() => signedCodec(options as never)).toThrow(optionsError);
      expect(() => signedCodec(options as never)).toThrow(/signedCodec\({ keys/);
    },
  );
});

describe('plainCodecTrustingMesh checks every option', () => {
  it('refuses an unknown option', () => {
    expect(() => plainCodecTrustingMesh({ clockTolerance: 5 } as never)).toThrow(
      /unknown option "clockTolerance".*"clockToleranceSeconds"/,
    );
  });

  it.each([null, 'strict'])('refuses %s as its options', (options) => {
    expect(() => plainCodecTrustingMesh(options as never)).toThrow(optionsError);
  });

  it('accepts no options at all', () => {
    expect(plainCodecTrustingMesh().mode).toBe('plain');
  });
});

describe('checkOptions (core/adapter)', () => {
  const spec = { known: ['relay', 'required'] as const, example: 'use({ relay })' };

  it('returns an empty record for absent options unless they are required', () => {
    expect(checkOptions('use', undefined, spec)).toEqual({});
    expect(() => checkOptions('use', undefined, { ...spec, required: true })).toThrow(
      /use: needs an options object, e.g. use\({ relay }\)/,
    );
  });

  it('suggests the closest known name, and lists them all', () => {
    expect(() => checkOptions('use', { requried: true }, spec)).toThrow(
      'use: unknown option "requried". Did you mean "required"? Known options: relay, required.',
    );
  });

  it('suggests nothing when no name is close', () => {
    expect(() => checkOptions('use', { colour: 'red' }, spec)).toThrow(
      'use: unknown option "colour". Known options: relay, required.',
    );
  });
});
