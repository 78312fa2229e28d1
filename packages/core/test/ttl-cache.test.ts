import { describe, expect, it } from 'vitest';
import { TtlCache } from '../src/adapter.js';
import { compileDestinationPolicy } from '../src/index.js';

describe('TtlCache, the one bounded cache (verification, mint, and the decision memos)', () => {
  it('never holds more than maxEntries: the oldest inserted goes first', () => {
    const cache = new TtlCache<number>(3);
    for (let i = 0; i < 10; i++) cache.set(`k${i}`, i, Number.POSITIVE_INFINITY, 0);
    expect(cache.size).toBe(3);
    expect(cache.get('k6', 0)).toBeUndefined();
    expect([cache.get('k7', 0), cache.get('k8', 0), cache.get('k9', 0)]).toEqual([7, 8, 9]);
  });

  it("with evict 'use', a recently read entry outlives newer unread ones", () => {
    const cache = new TtlCache<number>(2, { evict: 'use' });
    cache.set('a', 1, Number.POSITIVE_INFINITY, 0);
    cache.set('b', 2, Number.POSITIVE_INFINITY, 0);
    cache.get('a', 0);
    cache.set('c', 3, Number.POSITIVE_INFINITY, 0);
    expect(cache.get('a', 0)).toBe(1);
    expect(cache.get('b', 0)).toBeUndefined();
  });

  it('never serves an entry at or past its expiry, and never stores an expired one', () => {
    const cache = new TtlCache<string>(10);
    cache.set('token', 'passport', 2_000, 1_000);
    expect(cache.get('token', 1_999)).toBe('passport');
    expect(cache.get('token', 2_000)).toBeUndefined();
    expect(cache.size).toBe(0);
    cache.set('late', 'passport', 1_000, 1_000);
    expect(cache.size).toBe(0);
  });

  it('an entry set to expire at Infinity is a memo: read without a clock, it stays', () => {
    const cache = new TtlCache<boolean>(10);
    cache.set('orders', true, Number.POSITIVE_INFINITY);
    expect(cache.get('orders')).toBe(true);
  });

  it('maxEntries 0 stores nothing', () => {
    const cache = new TtlCache<number>(0);
    cache.set('a', 1, Number.POSITIVE_INFINITY, 0);
    expect(cache.size).toBe(0);
  });

  it("the destination policy's memo keeps deciding right after a flood of distinct hosts", () => {
    const policy = compileDestinationPolicy(['*.svc.cluster.local']);
    expect(policy.allows('orders.shop.svc.cluster.local')).toBe(true);
    for (let i = 0; i < 20_000; i++) policy.allows(`h${i}.attacker.example`);
    expect(policy.allows('orders.shop.svc.cluster.local')).toBe(true);
    expect(policy.allows('h1.attacker.example')).toBe(false);
    expect(policy.allows('169.254.169.254')).toBe(false);
  });
});
