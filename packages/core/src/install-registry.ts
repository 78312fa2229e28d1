/** One live install: how many callers hold it, and how to undo it. */
interface Install {
  count: number;
  readonly uninstall: () => void;
}

type Registry = Map<string, WeakMap<object, Map<object, Install>>>;

const REGISTRY = Symbol.for('passport-relay.installs.v1');

/**
 * Named registries kept on `globalThis` under a versioned `Symbol.for` key, so an ESM and a
 * CommonJS copy of an adapter see each other's installs instead of stacking two.
 */
function registry(name: string): WeakMap<object, Map<object, Install>> {
  const global = globalThis as typeof globalThis & { [REGISTRY]?: Registry };
  // Keyed by adapter names written in code, and weakly by what was installed: no bound needed.
  global[REGISTRY] ??= new Map();
  let byScope = global[REGISTRY].get(name);
  if (byScope === undefined) {
    byScope = new WeakMap();
    global[REGISTRY].set(name, byScope);
  }
  return byScope;
}

/**
 * Install a hook once per `(scope, key)`, however often it is asked for: the first call runs
 * `install`; later calls only count. Each call returns its own uninstall; `install`'s undo runs
 * when the last of them is called. Calling one uninstall twice does nothing.
 *
 * @param name The adapter's registry name, e.g. `'axios'`; registries of different names never meet.
 * @param scope What the hook is installed on: the axios instance, the global object, ...
 * @param key What is installed there, usually the relay.
 * @param install Installs and returns the undo.
 * @example
 * ```ts
 * export function installAxiosPropagation(relay, { axios }) {
 *   return installOnce('axios', axios, relay, () => {
 *     const id = axios.interceptors.request.use(addPassport);
 *     return () => axios.interceptors.request.eject(id);
 *   });
 * }
 * ```
 */
export function installOnce(
  name: string,
  scope: object,
  key: object,
  install: () => () => void,
): () => void {
  const byScope = registry(name);
  let installs = byScope.get(scope);
  if (installs === undefined) {
    installs = new Map();
    byScope.set(scope, installs);
  }
  let entry = installs.get(key);
  if (entry === undefined) {
    entry = { count: 0, uninstall: install() };
    installs.set(key, entry);
  }
  entry.count++;
  const held = entry;
  const scoped = installs;
  let active = true;
  return function uninstall() {
    if (!active) return;
    active = false;
    held.count--;
    if (held.count > 0) return;
    if (scoped.get(key) === held) scoped.delete(key);
    held.uninstall();
  };
}

/**
 * How many keys are installed on `scope` under `name` now: adapters that install one shared hook
 * per scope ask it whether theirs is the last.
 *
 * @example
 * ```ts
 * if (installedCount('http', globalThis) === 0) removePatches();
 * ```
 */
export function installedCount(name: string, scope: object): number {
  return registry(name).get(scope)?.size ?? 0;
}

/**
 * The keys installed on `scope` under `name` now, oldest first: an adapter with one shared hook
 * per scope reads from them which relays to serve, so that relays installed by an ESM and a
 * CommonJS copy of it are served by the one hook either copy put in place.
 *
 * @example
 * ```ts
 * for (const relay of installedKeys('axios.relays', instance)) propagate(relay, config);
 * ```
 */
export function installedKeys(name: string, scope: object): Iterable<object> {
  return registry(name).get(scope)?.keys() ?? [];
}
