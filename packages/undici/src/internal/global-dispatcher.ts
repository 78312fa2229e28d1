import { createRequire } from 'node:module';
import type { Dispatcher } from 'undici';

type Undici = typeof import('undici');

/** Where undici 7 and Node's built-in fetch (undici 6 inside Node 20) look up the global dispatcher. */
export const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');
/** Where undici 7 mirrors it for undici 8 and later. */
export const GLOBAL_DISPATCHER_V2 = Symbol.for('undici.globalDispatcher.2');

type Globals = Record<symbol, Dispatcher | undefined>;

let undici: Undici | undefined;

/**
 * The `undici` peer, loaded on first use rather than on import: loading undici installs its own
 * `Agent` as the global dispatcher when there is none, and importing this package must change
 * nothing.
 */
export function loadUndici(): Undici {
  undici ??= createRequire(import.meta.url)('undici') as Undici;
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

/** Put back `saved`; a slot that was empty keeps the v1 dispatcher (it cannot be deleted). */
export function restoreGlobalDispatchers(saved: GlobalDispatchers): void {
  if (saved.v1 === undefined) return;
  loadUndici().setGlobalDispatcher(saved.v1);
  if (saved.v2 !== undefined && saved.v2 !== saved.v1) {
    (globalThis as unknown as Globals)[GLOBAL_DISPATCHER_V2] = saved.v2;
  }
}
