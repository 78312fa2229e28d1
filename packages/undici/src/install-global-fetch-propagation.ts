import type { PassportFields, Relay } from '@passport-relay/core';
import type { Dispatcher } from 'undici';
import {
  GLOBAL_DISPATCHER,
  loadUndici,
  readGlobalDispatchers,
  restoreGlobalDispatchers,
} from './internal/global-dispatcher.js';
import { assertRelay, passportInterceptor } from './passport-interceptor.js';

interface Installation {
  readonly relay: object;
  readonly uninstall: () => void;
}

const INSTALLATIONS = Symbol.for('passport-relay.undici.installations.v1');

/** Shared by an ESM and a CommonJS copy of this package, so either sees the other's install. */
function installations(): WeakMap<object, Installation> {
  const globals = globalThis as unknown as Record<
    symbol,
    WeakMap<object, Installation> | undefined
  >;
  globals[INSTALLATIONS] ??= new WeakMap();
  return globals[INSTALLATIONS];
}

/**
 * Propagate the passport on every request that goes through undici's global dispatcher: Node's
 * built-in `fetch`, and npm undici's `fetch`, `request`, `stream` and `pipeline` called without a
 * `dispatcher`. Puts {@link passportInterceptor} in front of the current global dispatcher (keeping
 * its settings: connection limits, proxy, TLS) and makes the result global.
 *
 * - Returns the uninstall: it stops injection at once and, if the global dispatcher is still the
 *   one installed here, puts back the previous one exactly. Calling it again does nothing.
 * - Installing the same relay twice returns the first uninstall and adds nothing (one header).
 * - `fetch` follows redirects by dispatching each hop again, so each hop is decided for its own
 *   host. To make undici's `request` follow redirects globally, compose `interceptors.redirect`
 *   onto the global dispatcher *after* this call (see the README).
 * - Dispatchers passed explicitly (`{ dispatcher }`) are not affected: compose
 *   {@link passportInterceptor} onto them.
 *
 * Loads the `undici` peer on first call (never on import).
 *
 * @param relay - the relay from `createRelay`.
 * @returns a function that uninstalls.
 * @example
 * ```ts
 * import { installGlobalFetchPropagation } from '@passport-relay/undici';
 *
 * const uninstall = installGlobalFetchPropagation(relay);
 * // inside a request handled by the inbound middleware:
 * await fetch('http://orders/orders'); // carries the caller's passport
 * uninstall();
 * ```
 */
export function installGlobalFetchPropagation<T extends object = PassportFields>(
  relay: Relay<T>,
): () => void {
  assertRelay(relay, 'installGlobalFetchPropagation(relay)');
  const undici = loadUndici();
  const registry = installations();
  const previous = undici.getGlobalDispatcher();
  const existing = registry.get(previous);
  if (existing?.relay === relay) return existing.uninstall;

  const saved = readGlobalDispatchers();
  const withPassport = passportInterceptor(relay)((opts, handler) =>
    previous.dispatch(opts, handler),
  );
  let active = true;
  const dispatch: Dispatcher['dispatch'] = (opts, handler) =>
    active ? withPassport(opts, handler) : previous.dispatch(opts, handler);
  // What `compose` returns, without what it adds: `compose` converts every handler of undici's
  // older interface (Node's fetch, `undici.request`) to the newer one, and undici converts it back
  // before the socket, parsing and re-encoding every response's headers on the way. Measured on
  // the chain benchmark, that round trip cost more than the whole passport decision.
  const installed = new Proxy(previous, {
    get: (target, key) => (key === 'dispatch' ? dispatch : Reflect.get(target, key)),
  });
  undici.setGlobalDispatcher(installed);

  const uninstall = () => {
    if (!active) return;
    active = false;
    registry.delete(installed);
    const globals = globalThis as unknown as Record<symbol, unknown>;
    if (globals[GLOBAL_DISPATCHER] === installed) restoreGlobalDispatchers(saved);
  };
  registry.set(installed, { relay, uninstall });
  return uninstall;
}
