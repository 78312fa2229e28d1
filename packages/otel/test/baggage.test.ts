import {
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  propagation,
  ROOT_CONTEXT,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator } from '@opentelemetry/core';
import { createTestRelay } from '@passport-relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otelContextStore, PassportPropagator } from '../src/index.js';

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});
afterAll(() => {
  context.disable();
});

const relay = createTestRelay({ store: otelContextStore() }).relay;

/** OTel's baggage propagator first, then the passport's, as the README wires them. */
function propagatorWith(baggage?: Record<string, string>) {
  return new CompositePropagator({
    propagators: [
      new W3CBaggagePropagator(),
      new PassportPropagator(baggage === undefined ? { relay } : { relay, baggage }),
    ],
  });
}

function entries(headers: Record<string, unknown>, baggage?: Record<string, string>) {
  const ctx = propagatorWith(baggage).extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
  return Object.fromEntries(
    (propagation.getBaggage(ctx)?.getAllEntries() ?? []).map(([key, entry]) => [key, entry.value]),
  );
}

describe('baggage', () => {
  it('is off by default: no passport field reaches baggage', () => {
    expect(entries({ passport: relay.issue({ sub: 'user-1', tenant: 't1' }) })).toEqual({});
  });

  it('copies only the mapped passport fields into baggage', () => {
    const passport = relay.issue({ sub: 'user-1', tenant: 't1', email: 'a@b.c' });
    expect(entries({ passport }, { tenant: 'tenant.id' })).toEqual({ 'tenant.id': 't1' });
  });

  it('joins an array field with commas', () => {
    const passport = relay.issue({ sub: 'user-1', roles: ['admin', 'ops'] });
    expect(entries({ passport }, { roles: 'user.roles' })).toEqual({ 'user.roles': 'admin,ops' });
  });

  it('leaves out a field that is not a scalar or an array of scalars', () => {
    const passport = relay.issue({ sub: 'user-1', org: { id: 'o1' } });
    expect(entries({ passport }, { org: 'org' })).toEqual({});
  });

  it('replaces a client-sent entry under a mapped key with the verified value', () => {
    const passport = relay.issue({ sub: 'user-1', tenant: 't1' });
    expect(entries({ passport, baggage: 'tenant.id=evil' }, { tenant: 'tenant.id' })).toEqual({
      'tenant.id': 't1',
    });
  });

  it('removes a client-sent entry under a mapped key when no passport vouches for it', () => {
    expect(entries({ baggage: 'tenant.id=evil' }, { tenant: 'tenant.id' })).toEqual({});
  });

  it('keeps the inbound entries it does not own', () => {
    const passport = relay.issue({ sub: 'user-1', tenant: 't1' });
    expect(entries({ passport, baggage: 'region=eu' }, { tenant: 'tenant.id' })).toEqual({
      region: 'eu',
      'tenant.id': 't1',
    });
  });

  it('is sent on by OTel’s baggage propagator', () => {
    const propagator = propagatorWith({ tenant: 'tenant.id' });
    const ctx = propagator.extract(
      ROOT_CONTEXT,
      { passport: relay.issue({ sub: 'user-1', tenant: 't 1' }) },
      defaultTextMapGetter,
    );
    const carrier: Record<string, string> = {};
    propagator.inject(ctx, carrier, defaultTextMapSetter);
    expect(carrier).toEqual({ baggage: 'tenant.id=t%201' });
  });
});

describe('baggage limits (W3C: 180 entries, 4096 bytes per entry, 8192 bytes in all)', () => {
  it('leaves out a field whose entry would exceed 4096 bytes', () => {
    // Percent-encoded, 700 × "é" is 4200 bytes on the wire.
    const passport = relay.issue({ sub: 'user-1', tenant: 't1', note: 'é'.repeat(700) });
    expect(entries({ passport }, { note: 'note', tenant: 'tenant.id' })).toEqual({
      'tenant.id': 't1',
    });
  });

  it('leaves out a field that would take the header past 8192 bytes, keeping inbound entries', () => {
    const passport = relay.issue({ sub: 'user-1', tenant: 't1' });
    // 4096 + 1 + 4083 = 8180 bytes; ",tenant.id=t1" would add 13, to 8193.
    const inbound = `a=${'v'.repeat(4094)},b=${'v'.repeat(4081)}`;
    expect(Object.keys(entries({ passport, baggage: inbound }, { tenant: 'tenant.id' }))).toEqual([
      'a',
      'b',
    ]);
  });

  it('fills the header to exactly 8192 bytes but not past it', () => {
    const passport = relay.issue({ sub: 'user-1', tenant: 't1' });
    // 4096 + 1 + 4082 = 8179 bytes; ",tenant.id=t1" adds 13, to 8192.
    const inbound = `a=${'v'.repeat(4094)},b=${'v'.repeat(4080)}`;
    expect(entries({ passport, baggage: inbound }, { tenant: 'tenant.id' })['tenant.id']).toBe(
      't1',
    );
  });

  it('leaves out a field when the inbound baggage already holds 180 entries', () => {
    const passport = relay.issue({ sub: 'user-1', tenant: 't1' });
    const inbound = Array.from({ length: 180 }, (_, i) => `k${i}=v`).join(',');
    const result = entries({ passport, baggage: inbound }, { tenant: 'tenant.id' });
    expect(Object.keys(result)).toHaveLength(180);
    expect(result['tenant.id']).toBeUndefined();
  });

  it('refuses at creation a mapping to an invalid baggage key', () => {
    expect(() => new PassportPropagator({ relay, baggage: { tenant: 'tenant id' } })).toThrow(
      expect.objectContaining({ code: 'ERR_PASSPORT_OPTIONS' }),
    );
  });

  it('refuses at creation two fields mapped to one baggage key', () => {
    expect(
      () => new PassportPropagator({ relay, baggage: { tenant: 'tenant', org: 'tenant' } }),
    ).toThrow(expect.objectContaining({ message: expect.stringContaining('named twice') }));
  });

  it('refuses at creation a mapping of more than 180 fields', () => {
    const baggage = Object.fromEntries(Array.from({ length: 181 }, (_, i) => [`f${i}`, `k${i}`]));
    expect(() => new PassportPropagator({ relay, baggage })).toThrow(
      expect.objectContaining({ message: expect.stringContaining('at most 180') }),
    );
  });
});
