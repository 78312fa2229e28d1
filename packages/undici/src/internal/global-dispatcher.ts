import { createRequire } from 'node:module';
import type { Dispatcher } from 'undici';

/** What the global install uses of an undici module (7 or 8). */
export type UndiciGlobals = Pick<
  typeof import('undici'),
  'getGlobalDispatcher' | 'setGlobalDispatcher' | 'Dispatcher'
>;

/**
 * The older of the two global dispatcher slots. Node 20 and 22's fetch (undici 6) and Node 24's
 * (undici 7) read it; npm undici 7 reads it and writes both; undici 8 (Node 26's fetch, npm 8)
 * writes it with a `Dispatcher1Wrapper` that converts older-interface handlers for the dispatcher
 * in the newer slot.
 */
export const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');
/** The newer slot: undici 8 reads only this one; undici 7 mirrors the older slot into it. */
export const GLOBAL_DISPATCHER_V2 = Symbol.for('undici.globalDispatcher.2');

type Globals = Record<symbol, Dispatcher | undefined>;

let undici: UndiciGlobals | undefined;

/**
 * The `undici` peer, loaded on first use rather than on import: loading undici installs its own
 * `Agent` as the global dispatcher when there is none, and importing this package must change
 * nothing.
 */
export function loadUndici(): UndiciGlobals {
  undici ??= createRequire(import.meta.url)('undici') as UndiciGlobals;
  return undici;
}

/** Both global dispatcher slots, to put back exactly what was there. */
export interface GlobalDispatchers {
  readonly v1: Dispatcher | undefined;
  readonly v2: Dispatcher | undefined;
}

export function readGlobalDispatchers(): GlobalDispatchers {
  const globals = globalThis as unknown as Globals;
  return { v1: globals[GLOBAL_DISPATCHER], v2: globals[GLOBAL_DISPATCHER_V2] };
}

/**
 * Put back `saved` as it was, slot by slot, without undici's `setGlobalDispatcher`: undici 8's
 * would wrap the older slot's dispatcher in a second `Dispatcher1Wrapper`. Both slots are
 * writable (undici defines them so); a slot that was empty is emptied again.
 */
export function restoreGlobalDispatchers(saved: GlobalDispatchers): void {
  const globals = globalThis as unknown as Globals;
  globals[GLOBAL_DISPATCHER] = saved.v1;
  globals[GLOBAL_DISPATCHER_V2] = saved.v2;
}

/** The major version of the undici inside Node's own `fetch` (6 in Node 20 and 22, 7 in 24, 8 in 26). */
export function bundledUndiciMajor(): number {
  return Number.parseInt(process.versions.undici ?? '0', 10);
}
