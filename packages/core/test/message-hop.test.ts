import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { decideMessageHop, propagateToOption } from '../src/adapter.js';
import { createRelay, DIAGNOSTICS_CHANNELS, signedCodec } from '../src/index.js';
import { hmacSecret, ISSUER } from './helpers.js';

const secret = hmacSecret();
const relay = createRelay({
  codec: signedCodec({
    issuer: ISSUER,
    keys: [{ alg: 'HS256', kid: 'k', secret }],
    signingKey: { alg: 'HS256', kid: 'k', secret },
  }),
  forwardHeaders: ['x-request-id'],
});
const context = relay.extract({ passport: relay.issue({ sub: 'alice' }), 'x-request-id': 'r-1' });

describe('decideMessageHop: the producer decision every messaging adapter shares', () => {
  const events: [string, unknown][] = [];
  const listeners = (['injected', 'withheld'] as const).map(
    (kind) =>
      [DIAGNOSTICS_CHANNELS[kind], (message: unknown) => events.push([kind, message])] as const,
  );
  afterEach(() => {
    for (const [name, listener] of listeners) unsubscribe(name, listener);
    events.length = 0;
  });
  const none = { has: () => false };

  it('adds nothing outside a passport context', () => {
    expect(decideMessageHop(relay, 'emails', true, none)).toEqual([]);
  });

  it('adds the passport and forwarded headers to an allowed destination, and says so', () => {
    for (const [name, listener] of listeners) subscribe(name, listener);
    const add = relay.runWith(context, () => decideMessageHop(relay, 'emails', true, none));
    expect(add.map(([name]) => name)).toEqual(['passport', 'x-request-id']);
    expect(events).toEqual([
      ['injected', { destination: 'emails', headers: ['passport', 'x-request-id'] }],
    ]);
  });

  it('adds nothing to a destination off the list and publishes withheld', () => {
    for (const [name, listener] of listeners) subscribe(name, listener);
    const add = relay.runWith(context, () => decideMessageHop(relay, 'audit', false, none));
    expect(add).toEqual([]);
    expect(events).toEqual([
      ['withheld', { destination: 'audit', reason: 'destination-not-allowed' }],
    ]);
  });

  it("lets the caller's value win, adding only the rest", () => {
    for (const [name, listener] of listeners) subscribe(name, listener);
    const add = relay.runWith(context, () =>
      decideMessageHop(relay, 'emails', true, { has: (name) => name === 'passport' }),
    );
    expect(add).toEqual([['x-request-id', 'r-1']]);
    expect(events).toEqual([['injected', { destination: 'emails', headers: ['x-request-id'] }]]);
  });
});

describe('propagateToOption', () => {
  const example = 'install(relay, x, { propagateTo: ["emails"] })';

  it('returns the patterns', () => {
    expect(propagateToOption('install', { propagateTo: ['emails'] }, example)).toEqual(['emails']);
  });

  it.each([
    [undefined, /needs an options object/],
    [{}, /needs \{ propagateTo \}/],
    [{ propagateTo: 'emails' }, /needs \{ propagateTo \}/],
    [{ propagateTo: [], propagatTo: [] }, /unknown option "propagatTo"/],
  ])('refuses %j with ERR_PASSPORT_OPTIONS', (options, message) => {
    expect(() => propagateToOption('install', options, example)).toThrowError(message);
    expect(() => propagateToOption('install', options, example)).toThrowError(
      expect.objectContaining({ code: 'ERR_PASSPORT_OPTIONS' }),
    );
  });
});
