import { createTestRelay } from '@passport-relay/testing';
import { describe, expect, it } from 'vitest';
import { passportRelay } from '../src/index.js';

const { relay } = createTestRelay({ mode: 'HS256' });
const optionsError = (message: RegExp) =>
  expect.objectContaining({
    code: 'ERR_PASSPORT_OPTIONS',
    message: expect.stringMatching(message),
  });

describe('passportRelay (express) options', () => {
  it('returns a named middleware with the Express (req, res, next) arity', () => {
    const middleware = passportRelay(relay);
    expect(middleware.name).toBe('passportRelayMiddleware');
    expect(middleware.length).toBe(3);
  });

  it('refuses, at creation, something that is not a relay', () => {
    expect(() => passportRelay({} as typeof relay)).toThrow(optionsError(/createRelay/));
  });

  it('refuses, at creation, an unknown option and names the known ones', () => {
    expect(() => passportRelay(relay, { require: true } as never)).toThrow(
      optionsError(/unknown option "require".*required, onRefusal/),
    );
  });

  it('refuses, at creation, a required that is neither a boolean nor a predicate', () => {
    expect(() => passportRelay(relay, { required: 'yes' as never })).toThrow(
      optionsError(/"required" must be a boolean or a function/),
    );
  });

  it('refuses, at creation, an onRefusal it does not know', () => {
    expect(() => passportRelay(relay, { onRefusal: 'throw' as never })).toThrow(
      optionsError(/"onRefusal" must be "respond".*or "next"/),
    );
  });
});
