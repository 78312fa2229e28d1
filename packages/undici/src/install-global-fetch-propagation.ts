import { PassportError, type PassportFields, type Relay } from '@passport-relay/core';
import { installOnce } from '@passport-relay/core/adapter';
import type { Dispatcher } from 'undici';
import {
  bundledUndiciMajor,
  GLOBAL_DISPATCHER,
  GLOBAL_DISPATCHER_V2,
  loadUndici,
  readGlobalDispatchers,
  restoreGlobalDispatchers,
  type UndiciGlobals,
} from './internal/global-dispatcher.js';
import { toOlderInterface } from './internal/older-interface-handler.js';
import { assertRelay, passportInterceptor } from './passport-interceptor.js';

/**
 * Options of {@link installGlobalFetchPropagation}.
 *
 * @example
 * ```ts
 * import * as undici from 'undici';
 *
 * installGlobalFetchPropagation(relay, { undici });
 * ```
 */
export interface GlobalFetchPropagationOptions {
  /**
   * The undici module (7 or 8) whose global dispatcher to install on: pass your own
   * `import * as undici from 'undici'` when your app may resolve a different copy than this
   * package does.
   * @default the `undici` peer as this package resolves it, loaded on the first install
   */
  readonly undici?: UndiciGlobals;
}

/**
 * Read on a global dispatcher installed here: the dispatcher the installs went over. Installs are
 * counted (core's `installOnce`) per that dispatcher and relay, so installing again while an
 * install of ours is the global one counts that install instead of stacking a second. A
 * `Symbol.for` key, so an ESM and a CommonJS copy of this package read each other's mark.
 */
const INSTALLED_OVER = Symbol.for('passport-relay.undici.installed-over.v1');

/**
 * Propagate the passport on every request that goes through undici's global dispatcher: Node's
 * built-in `fetch`, and npm undici's `fetch`, `request`, `stream` and `pipeline` called without a
 * `dispatcher`. Puts {@link passportInterceptor} in front of the current global dispatcher (keeping
 * its settings: connection limits, proxy, TLS) and makes the result global.
 *
 * - Returns the uninstall: it stops injection at once and, if the global dispatcher is still the
 *   one installed here, puts back the previous one exactly. Calling it again does nothing.
 * - Installing the same relay twice adds nothing (one header). Each install returns its own
 *   uninstall; the interceptor goes with the last of them.
 * - `fetch` follows redirects by dispatching each hop again, so each hop is decided for its own
 *   host. To make undici's `request` follow redirects globally, compose `interceptors.redirect`
 *   onto the global dispatcher *after* this call (see the README).
 * - Dispatchers passed explicitly (`{ dispatcher }`) are not affected: compose
 *   {@link passportInterceptor} onto them.
 *
 * Loads the `undici` peer on first call (never on import).
 *
 * Works with the handler interface of whichever undici dispatches: Node's `fetch` (undici 6, 7 or
 * 8 inside), npm undici 7 and 8. The handler reaches the previous dispatcher as the caller made
 * it; only a newer-interface handler bound for Node 20 or 22's own undici 6 `Agent` (which `fetch`
 * creates when it runs before undici is loaded) is converted to the older interface.
 *
 * @param relay - the relay from `createRelay`.
 * @param options - `{ undici }`: the undici module to install through (default: the peer).
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
  options: GlobalFetchPropagationOptions = {},
): () => void {
  assertRelay(relay, 'installGlobalFetchPropagation(relay)');
  const undici = checkUndici(options);
  const previous = undici.getGlobalDispatcher();
  const over = (previous as { [INSTALLED_OVER]?: Dispatcher })[INSTALLED_OVER] ?? previous;
  return installOnce('undici', over, relay, () => installOver(previous, over, relay, undici));
}

/** Make a dispatcher that adds the passport in front of `previous` global; returns the undo. */
function installOver<T extends object>(
  previous: Dispatcher,
  over: Dispatcher,
  relay: Relay<T>,
  undici: UndiciGlobals,
): () => void {
  const saved = readGlobalDispatchers();
  const forward: Dispatcher['dispatch'] = takesOnlyOlderHandlers(previous, undici)
    ? (opts, handler) => previous.dispatch(opts, toOlderInterface(handler))
    : (opts, handler) => previous.dispatch(opts, handler);
  const withPassport = passportInterceptor(relay)(forward);
  let active = true;
  const dispatch: Dispatcher['dispatch'] = (opts, handler) =>
    active ? withPassport(opts, handler) : forward(opts, handler);
  // What `compose` returns, without what it adds: `compose` converts every handler of undici's
  // older interface (Node's fetch, `undici.request`) to the newer one, and undici converts it back
  // before the socket, parsing and re-encoding every response's headers on the way. Measured on
  // the chain benchmark, that round trip cost more than the whole passport decision.
  // `compose` is the peer's own: the previous dispatcher may come from Node's bundled undici (6
  // in Node 20 and 22, 8 in Node 26), whose `compose` would hand the peer's interceptors handlers
  // in an interface they do not take (undici 7's interceptors expect its `compose` to convert).
  const compose = undici.Dispatcher.prototype.compose;
  const installed = new Proxy(previous, {
    get: (target, key) =>
      key === 'dispatch'
        ? dispatch
        : key === 'compose'
          ? compose
          : key === INSTALLED_OVER
            ? over
            : Reflect.get(target, key),
  });
  undici.setGlobalDispatcher(installed);

  return () => {
    active = false;
    const globals = globalThis as unknown as Record<symbol, unknown>;
    // undici 8 keeps `installed` in the newer slot (a wrapper of it in the older), undici 7 in both.
    if (globals[GLOBAL_DISPATCHER_V2] === installed || globals[GLOBAL_DISPATCHER] === installed) {
      restoreGlobalDispatchers(saved);
    }
  };
}

function checkUndici(options: GlobalFetchPropagationOptions): UndiciGlobals {
  if (typeof options !== 'object' || options === null) {
    throw new PassportError(
      'ERR_PASSPORT_OPTIONS',
      'installGlobalFetchPropagation(relay, options): options must be an object, e.g. { undici }.',
    );
  }
  for (const key of Object.keys(options)) {
    if (key !== 'undici') {
      throw new PassportError(
        'ERR_PASSPORT_OPTIONS',
        `installGlobalFetchPropagation: unknown option "${key}"; the only option is "undici".`,
      );
    }
  }
  const given = options.undici;
  if (given === undefined) return loadUndici();
  if (
    typeof given?.getGlobalDispatcher !== 'function' ||
    typeof given.setGlobalDispatcher !== 'function' ||
    typeof given.Dispatcher?.prototype?.compose !== 'function'
  ) {
    throw new PassportError(
      'ERR_PASSPORT_OPTIONS',
      'installGlobalFetchPropagation: "undici" must be the undici 7 or 8 module: import * as undici from \'undici\'.',
    );
  }
  return given;
}

/**
 * Whether `dispatcher` takes only undici's older handler interface. In a supported setup that is
 * Node 20 or 22's own undici 6 dispatcher: one that is not the peer's, in a Node whose fetch is
 * undici 6. (A dispatcher of another npm undici 7 copy takes both interfaces: converting for it is
 * harmless.)
 */
function takesOnlyOlderHandlers(dispatcher: Dispatcher, undici: UndiciGlobals): boolean {
  return !(dispatcher instanceof undici.Dispatcher) && bundledUndiciMajor() < 7;
}
