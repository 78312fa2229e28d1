import http from 'node:http';
import https from 'node:https';
import { syncBuiltinESMExports } from 'node:module';
import type { Relay } from '@passport-relay/core';
import { assertRelay, installOnce } from '@passport-relay/core/adapter';
import { type OutboundRelay, prepareCall } from './internal/request-call.js';
import { withholdFrom } from './internal/withheld-headers.js';

type RequestFunction = (this: unknown, ...args: unknown[]) => unknown;
type PatchedModule = Record<'request' | 'get', RequestFunction>;

/** One function replaced on one module object. */
interface Patch {
  readonly target: PatchedModule;
  readonly key: 'request' | 'get';
  readonly original: RequestFunction;
  readonly wrapper: RequestFunction;
}

/** Everything the install holds: the relays that inject, and what was replaced. */
interface PropagationState {
  /** The relays installed now (core's `installOnce` counts their installs). */
  readonly relays: Map<OutboundRelay, number>;
  readonly patches: Patch[];
}

/**
 * Kept on `globalThis` under a versioned `Symbol.for` key, so an ESM and a CommonJS copy of this
 * package share one set of wrappers instead of stacking two. Deleted when the last install is undone.
 */
const STATE_KEY = Symbol.for('passport-relay.http-propagation.v1');
const TARGETS: readonly (readonly [PatchedModule, 'request' | 'get'])[] = [
  [http as unknown as PatchedModule, 'request'],
  [http as unknown as PatchedModule, 'get'],
  [https as unknown as PatchedModule, 'request'],
  [https as unknown as PatchedModule, 'get'],
];

type GlobalWithState = typeof globalThis & { [STATE_KEY]?: PropagationState };

function wrap(original: RequestFunction, relays: Map<OutboundRelay, number>): RequestFunction {
  const wrapper = function (this: unknown, ...args: unknown[]): unknown {
    if (relays.size === 0) return original.apply(this, args);
    const call = prepareCall(relays.keys(), args);
    const request = original.apply(this, call.args as unknown[]);
    if (call.withheld !== undefined) withholdFrom(request, call.withheld);
    return request;
  };
  Object.defineProperty(wrapper, 'name', { value: original.name });
  return wrapper;
}

/** Put every wrapper in place that is not there already; `true` when something changed. */
function applyPatches(state: PropagationState): boolean {
  let changed = false;
  for (const [target, key] of TARGETS) {
    const patch = state.patches.find((p) => p.target === target && p.key === key);
    const current = target[key];
    if (patch !== undefined && current !== patch.original) continue; // ours, or wrapped over ours
    const original = patch?.original ?? current;
    const wrapper = wrap(original, state.relays);
    if (patch !== undefined) state.patches.splice(state.patches.indexOf(patch), 1);
    state.patches.push({ target, key, original, wrapper });
    target[key] = wrapper;
    changed = true;
  }
  return changed;
}

/** Restore every original whose wrapper is still on top; keep (inert) the ones wrapped over. */
function removePatches(state: PropagationState): void {
  for (const patch of [...state.patches]) {
    if (patch.target[patch.key] !== patch.wrapper) continue;
    patch.target[patch.key] = patch.original;
    state.patches.splice(state.patches.indexOf(patch), 1);
  }
}

/**
 * Put the caller's passport (and forwarded headers) on every outbound `node:http` and `node:https`
 * request to an allowed destination: `http.request`, `http.get`, `https.request` and `https.get`,
 * whether the caller imported them (ESM, named or default) or required them (CommonJS). That covers
 * got, node-fetch, superagent, axios's http adapter and anything else built on those functions.
 *
 * Per call: the destination is the host Node will connect to (`hostname`, else `host` without its
 * port, else the URL's host); headers are added only when `relay.allows` it, only where the caller
 * did not set that header (any case), and always on copies of the caller's options and headers.
 *
 * Nothing is patched until you call it. Returns the uninstall: once the last install is undone, the
 * original functions are back (identical objects) and ESM named exports are synced again. Installing
 * twice, or with several relays, is harmless: one wrapper per function, one header per request.
 *
 * @param relay - The relay whose context and `propagateTo` decide.
 * @returns A function that undoes this install; calling it again does nothing.
 * @example
 * ```ts
 * import { installHttpPropagation } from '@passport-relay/http';
 * import { relay } from './relay.js';
 *
 * const uninstall = installHttpPropagation(relay);
 * // ... http.get('http://orders/…') inside a request now carries the caller's passport
 * uninstall();
 * ```
 */
export function installHttpPropagation<T extends object>(relay: Relay<T>): () => void {
  assertRelay(relay, 'installHttpPropagation(relay)');
  const outbound: OutboundRelay = relay as unknown as OutboundRelay;
  const root = globalThis as GlobalWithState;
  const state: PropagationState = root[STATE_KEY] ?? { relays: new Map(), patches: [] };
  root[STATE_KEY] = state;
  const uninstall = installOnce('http', state, outbound, () => {
    state.relays.set(outbound, 1);
    return function uninstallHttpPropagation() {
      state.relays.delete(outbound);
      if (state.relays.size > 0) return;
      removePatches(state);
      syncBuiltinESMExports();
      if (state.patches.length === 0 && root[STATE_KEY] === state) delete root[STATE_KEY];
    };
  });
  // Every install puts back a wrapper that something else replaced since.
  if (applyPatches(state)) syncBuiltinESMExports();
  return uninstall;
}
