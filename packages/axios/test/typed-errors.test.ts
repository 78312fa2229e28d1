import { isPassportError } from '@passport-relay/core';
import { createTestRelay, listenOnLoopback } from '@passport-relay/testing';
import axios from 'axios';
import { afterEach, describe, expect, it } from 'vitest';
import { installAxiosPropagation } from '../src/index.js';

// Node 20 to 24's fetch reads the first slot, Node 26's (undici 8) the second: hide both.
const GLOBAL_DISPATCHERS = [
  Symbol.for('undici.globalDispatcher.1'),
  Symbol.for('undici.globalDispatcher.2'),
];
const globals = globalThis as unknown as Record<symbol, unknown>;

describe('the fetch adapter without any undici dispatcher', () => {
  const undo: (() => unknown)[] = [];
  afterEach(async () => {
    for (const step of undo.splice(0).reverse()) await step();
  });

  it('fails with a typed ERR_PASSPORT_OPTIONS that says how to fix it, not a plain Error', async () => {
    const { relay } = createTestRelay();
    const server = await listenOnLoopback((_req, res) => res.end('{}'));
    undo.push(() => server.close());
    // Make sure Node's fetch has created its global dispatcher, then hide it (undici defines the
    // slots writable but not configurable).
    await fetch(server.origin);
    for (const slot of GLOBAL_DISPATCHERS) {
      const saved = globals[slot];
      globals[slot] = undefined;
      undo.push(() => {
        globals[slot] = saved;
      });
    }
    undo.push(installAxiosPropagation(relay, { axios }));

    const failure = await relay
      .run({ sub: 'alice' }, () => axios.get(server.origin, { adapter: 'fetch' }))
      .then(
        () => undefined,
        (error: { cause?: unknown }) => error,
      );

    const cause = (failure as { cause?: unknown } | undefined)?.cause;
    expect(isPassportError(cause)).toBe(true);
    expect(cause).toMatchObject({ code: 'ERR_PASSPORT_OPTIONS' });
    expect((cause as Error).message).toMatch(/fetchOptions\.dispatcher/);
  });
});
