import { setImmediate as tick } from 'node:timers/promises';
import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { createTestRelay } from '@passport-relay/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { otelContextStore } from '../src/index.js';

const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
});
afterAll(() => {
  context.disable();
});

describe('otelContextStore', () => {
  it('makes relay.current() read the passport relay.run put in, across awaits and timers', async () => {
    const { relay } = createTestRelay({ store: otelContextStore() });
    const seen = await relay.run({ sub: 'user-1' }, async () => {
      await tick();
      await new Promise((resolve) => setTimeout(resolve, 1));
      return relay.current()?.sub;
    });
    expect(seen).toBe('user-1');
    expect(relay.current()).toBeUndefined();
  });

  it('keeps the passport in OpenTelemetry’s context, where context.with and context.bind carry it', () => {
    const { relay } = createTestRelay({ store: otelContextStore() });
    const captured = relay.run({ sub: 'user-1' }, () => context.active());
    expect(captured).not.toBe(ROOT_CONTEXT);
    expect(context.with(captured, () => relay.current()?.sub)).toBe('user-1');
    expect(context.bind(captured, () => relay.current()?.sub)()).toBe('user-1');
  });

  it('keeps values already in the OTel context (the active span, baggage) when it adds the passport', () => {
    const { relay } = createTestRelay({ store: otelContextStore() });
    const key = Symbol('other value');
    const outer = ROOT_CONTEXT.setValue(key, 'kept');
    const inner = context.with(outer, () => relay.run({ sub: 'user-1' }, () => context.active()));
    expect(inner.getValue(key)).toBe('kept');
  });

  it('restores the outer passport when a nested run returns', () => {
    const { relay } = createTestRelay({ store: otelContextStore() });
    const seen = relay.run({ sub: 'outer' }, () => {
      const inner = relay.run({ sub: 'inner' }, () => relay.current()?.sub);
      return [inner, relay.current()?.sub];
    });
    expect(seen).toEqual(['inner', 'outer']);
  });

  it('serves what inbound adapters do: relay.extract then relay.runWith', () => {
    const { relay } = createTestRelay({ store: otelContextStore() });
    const inbound = relay.extract({ passport: relay.issue({ sub: 'user-1', tenant: 't1' }) });
    expect(relay.runWith(inbound, () => relay.current())).toMatchObject({
      sub: 'user-1',
      tenant: 't1',
    });
  });

  it('lets relay.bind carry the passport into a callback run later, outside the request', async () => {
    const { relay } = createTestRelay({ store: otelContextStore() });
    const later = relay.run({ sub: 'user-1' }, () => relay.bind(() => relay.current()?.sub));
    await tick();
    expect(later()).toBe('user-1');
  });

  it('gives the outbound decision the passport from OTel’s context', () => {
    const { relay } = createTestRelay({ store: otelContextStore() });
    const value = relay.issue({ sub: 'user-1' });
    const headers = relay.runWith(relay.extract({ passport: value }), () =>
      relay.outboundHeaders('http://orders/'),
    );
    expect(headers).toEqual([['passport', value]]);
  });

  it('isolates 500 concurrent runs with distinct passports', async () => {
    const { relay } = createTestRelay({ store: otelContextStore() });
    const results = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        relay.run({ sub: `user-${i}` }, async () => {
          const seen: (string | undefined)[] = [];
          for (let step = 0; step < 3; step++) {
            await tick();
            seen.push(relay.current()?.sub);
          }
          return seen;
        }),
      ),
    );
    const crossed = results.filter((seen, i) => seen.some((sub) => sub !== `user-${i}`));
    expect(crossed).toEqual([]);
  });

  it('shares the passport between stores of the same name, as an ESM and a CommonJS copy would', () => {
    const { relay: first } = createTestRelay({ store: otelContextStore('shared') });
    const { relay: second } = createTestRelay({ store: otelContextStore('shared') });
    expect(first.run({ sub: 'user-1' }, () => second.current()?.sub)).toBe('user-1');
  });

  it('keeps stores of different names apart', () => {
    const { relay: billing } = createTestRelay({ store: otelContextStore('billing') });
    const { relay: orders } = createTestRelay({ store: otelContextStore('orders') });
    expect(billing.run({ sub: 'user-1' }, () => orders.current())).toBeUndefined();
  });

  it('rejects an empty store name when created', () => {
    expect(() => otelContextStore('')).toThrow(
      expect.objectContaining({ code: 'ERR_PASSPORT_OPTIONS' }),
    );
  });
});

describe('otelContextStore without an OpenTelemetry context manager', () => {
  afterEach(() => {
    context.setGlobalContextManager(contextManager.enable());
  });

  it('refuses to run rather than silently losing the passport', () => {
    context.disable();
    const { relay } = createTestRelay({ store: otelContextStore() });
    expect(() => relay.run({ sub: 'user-1' }, () => relay.current())).toThrow(
      expect.objectContaining({
        code: 'ERR_PASSPORT_OPTIONS',
        message: expect.stringContaining('context manager'),
      }),
    );
  });
});
