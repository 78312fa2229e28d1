import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isPassportError, type Relay } from '@passport-relay/core';
import { rawHeaderValues } from '@passport-relay/testing';
import type { Dispatcher } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installGlobalFetchPropagation, passportInterceptor } from '../src/index.js';
import { asCaller, serversPerTest, testRelay } from './fixtures.js';
import { describeEachUndici } from './undici-versions.js';

const V1 = Symbol.for('undici.globalDispatcher.1');
const V2 = Symbol.for('undici.globalDispatcher.2');
const slots = globalThis as unknown as Record<symbol, Dispatcher | undefined>;

describeEachUndici(({ undici, major }) => {
  describe('installGlobalFetchPropagation', () => {
    const servers = serversPerTest();
    let relay: Relay;
    let token: string;
    let saved: { v1: Dispatcher | undefined; v2: Dispatcher | undefined };
    let agent: Dispatcher;
    const uninstalls: (() => void)[] = [];

    beforeEach(async () => {
      saved = { v1: slots[V1], v2: slots[V2] };
      agent = new undici.Agent();
      undici.setGlobalDispatcher(agent);
      relay = testRelay();
      token = relay.issue({ sub: 'user-1' });
    });

    afterEach(async () => {
      for (const uninstall of uninstalls.splice(0)) uninstall();
      slots[V1] = saved.v1;
      slots[V2] = saved.v2;
      await agent.close();
    });

    function install(): () => void {
      const uninstall = installGlobalFetchPropagation(relay, { undici });
      uninstalls.push(uninstall);
      return uninstall;
    }

    async function fetchAs(path: string): Promise<string[]> {
      await asCaller(relay, token, 'req-1', async () => {
        const response = await fetch(`${servers.allowed.origin}${path}`);
        await response.text();
      });
      return rawHeaderValues(servers.allowed.receivedAt(path).rawHeaders, 'passport');
    }

    it('sends Node’s built-in fetch through the npm undici dispatcher it wraps', async () => {
      install();
      expect(globalThis.fetch).not.toBe(undici.fetch);
      expect(undici.getGlobalDispatcher()).toBeInstanceOf(undici.Dispatcher);
      expect(undici.getGlobalDispatcher()).not.toBe(agent);
      expect(await fetchAs('/built-in')).toEqual([token]);
    });

    it('hands the previous dispatcher Node’s fetch handler in the interface it reached the global dispatcher in', async () => {
      // undici 7 converts a newer-interface handler back before the socket, parsing and re-encoding
      // every response's headers: `compose` would cost that on every fetch. Node 20 to 24's fetch
      // (undici 6, 7) makes an older-interface handler, Node 26's (undici 8) a newer one; undici 8's
      // own setGlobalDispatcher puts a wrapper in the slot older fetches read, converting there.
      const newer = Number.parseInt(process.versions.undici ?? '0', 10) >= 8 || major === 8;
      const seen: { newer: boolean; older: boolean }[] = [];
      const dispatch = agent.dispatch.bind(agent);
      agent.dispatch = (opts, handler) => {
        seen.push({
          newer: typeof handler.onRequestStart === 'function',
          older: typeof handler.onHeaders === 'function',
        });
        return dispatch(opts, handler);
      };
      install();
      expect(await fetchAs('/older-interface')).toEqual([token]);
      expect(seen).toEqual([{ newer, older: !newer }]);
    });

    it('puts the previous global dispatcher back exactly on uninstall', () => {
      const before = { v1: slots[V1], v2: slots[V2] };
      const uninstall = install();
      expect(slots[V1]).not.toBe(before.v1);
      uninstall();
      expect({ v1: slots[V1], v2: slots[V2] }).toEqual(before);
      expect(undici.getGlobalDispatcher()).toBe(agent);
    });

    it('sends nothing after uninstall', async () => {
      install()();
      expect(await fetchAs('/after-uninstall')).toEqual([]);
    });

    it('stops injecting on uninstall even when another dispatcher was composed on top, and leaves that one', async () => {
      const uninstall = install();
      const onTop = undici.getGlobalDispatcher().compose(undici.interceptors.dump());
      undici.setGlobalDispatcher(onTop);
      uninstall();
      expect(undici.getGlobalDispatcher()).toBe(onTop);
      expect(await fetchAs('/on-top')).toEqual([]);
    });

    it('counts a second install: one passport, each install its own uninstall, the interceptor goes with the last', async () => {
      const first = install();
      const installed = undici.getGlobalDispatcher();
      const second = install();
      expect(second).not.toBe(first);
      expect(undici.getGlobalDispatcher()).toBe(installed);
      expect(await fetchAs('/twice')).toEqual([token]);
      first();
      first();
      expect(undici.getGlobalDispatcher()).toBe(installed);
      expect(await fetchAs('/twice-one-left')).toEqual([token]);
      second();
      expect(undici.getGlobalDispatcher()).toBe(agent);
      expect(await fetchAs('/twice-none-left')).toEqual([]);
    });

    it('counts an install of a relay that is already under another relay’s install', async () => {
      const other = testRelay();
      const first = install();
      const otherUninstall = installGlobalFetchPropagation(other, { undici });
      uninstalls.push(otherUninstall);
      const onTop = undici.getGlobalDispatcher();
      install();
      expect(undici.getGlobalDispatcher()).toBe(onTop);
      otherUninstall();
      first();
      expect(await fetchAs('/under-another')).toEqual([token]);
    });

    it('is harmless to uninstall twice', () => {
      const uninstall = install();
      uninstall();
      const other = new undici.Agent();
      undici.setGlobalDispatcher(other);
      uninstall();
      expect(undici.getGlobalDispatcher()).toBe(other);
      return other.close();
    });

    it('can be installed again after uninstall', async () => {
      install()();
      install();
      expect(await fetchAs('/again')).toEqual([token]);
    });

    it.each([
      ['installGlobalFetchPropagation', installGlobalFetchPropagation],
      ['passportInterceptor', passportInterceptor],
    ] as const)('%s refuses something that is not a relay, saying what it needs', (_name, fn) => {
      let thrown: unknown;
      try {
        fn({} as Relay);
      } catch (error) {
        thrown = error;
      }
      expect(isPassportError(thrown)).toBe(true);
      expect(thrown).toMatchObject({
        code: 'ERR_PASSPORT_OPTIONS',
        message: expect.stringContaining('createRelay'),
      });
    });
  });
});

/** Run `test/<file>` (TypeScript) in a fresh Node process; parse the JSON it prints. */
function runFresh(args: readonly string[]): unknown {
  const output = execFileSync(process.execPath, ['--import', 'tsx', ...args], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    encoding: 'utf8',
  });
  return JSON.parse(output);
}

describe('a process whose fetch ran before undici was loaded', () => {
  it('composes onto the dispatcher Node created itself (its bundled undici: 6 in Node 20 and 22, 7 in 24, 8 in 26)', () => {
    expect(runFresh(['test/node-own-dispatcher.child.ts'])).toEqual({
      nodeOwnIsUndici7: false,
      received: { '/warm-up': false, '/fetch': true, '/request': true },
      restored: true,
    });
  }, 30_000);
});

describe('importing @passport-relay/undici', () => {
  it('changes nothing: no global dispatcher set, undici not loaded, fetch untouched', () => {
    const entry = fileURLToPath(new URL('../src/index.ts', import.meta.url));
    // Node 26 sets both global dispatcher slots itself when node:http is first imported as ESM
    // (core loads it for the token-service client): load it first, so the check sees only what
    // importing this package does.
    const script = `
      const { createRequire } = await import('node:module');
      await import('node:http');
      const v1Before = globalThis[Symbol.for('undici.globalDispatcher.1')];
      const v2Before = globalThis[Symbol.for('undici.globalDispatcher.2')];
      const fetchBefore = globalThis.fetch;
      const module = await import(${JSON.stringify(entry)});
      const cache = createRequire(process.cwd() + '/').cache;
      console.log(JSON.stringify({
        exports: Object.keys(module).sort(),
        undiciLoaded: Object.keys(cache).some((path) => path.includes('/undici/')),
        v1: globalThis[Symbol.for('undici.globalDispatcher.1')] === v1Before,
        v2: globalThis[Symbol.for('undici.globalDispatcher.2')] === v2Before,
        fetch: globalThis.fetch === fetchBefore,
      }));
    `;
    expect(runFresh(['--input-type=module', '--eval', script])).toEqual({
      exports: ['installGlobalFetchPropagation', 'passportInterceptor'],
      undiciLoaded: false,
      v1: true,
      v2: true,
      fetch: true,
    });
  }, 30_000);
});

describe('installGlobalFetchPropagation options', () => {
  it.each([
    ['an unknown option', { agent: {} }, 'unknown option "agent"'],
    ['an undici that is not the undici module', { undici: {} }, "import * as undici from 'undici'"],
    ['options that are not an object', null, 'options must be an object'],
  ])('refuses %s, saying what to pass', (_case, options, message) => {
    let thrown: unknown;
    try {
      installGlobalFetchPropagation(testRelay(), options as never);
    } catch (error) {
      thrown = error;
    }
    expect(isPassportError(thrown)).toBe(true);
    expect(thrown).toMatchObject({
      code: 'ERR_PASSPORT_OPTIONS',
      message: expect.stringContaining(message),
    });
  });
});
