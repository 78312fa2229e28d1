import { AsyncLocalStorage } from 'node:async_hooks';
import type { RelayContext } from './relay-context.js';

/**
 * Where the relay keeps the current request's context. The default is an `AsyncLocalStorage`;
 * `@passport-relay/otel` provides one on OpenTelemetry's context.
 *
 * A store only ever scopes a context to a callback (`run`), never enters one for the rest of an
 * async resource's life: that would leak one request's passport into the next request on the same
 * keep-alive socket.
 *
 * @example
 * ```ts
 * const store: ContextStore = asyncLocalContextStore('billing');
 * createRelay({ codec, store });
 * ```
 */
export interface ContextStore {
  /** The context of the code running now, if any. */
  getStore(): RelayContext | undefined;
  /** Run `fn` with `context` as the current context; restored when `fn` returns. */
  run<R>(context: RelayContext, fn: () => R): R;
}

const REGISTRY = Symbol.for('passport-relay.context-stores.v1');

type Registry = Map<string, AsyncLocalStorage<RelayContext>>;

function registry(): Registry {
  const global = globalThis as typeof globalThis & { [REGISTRY]?: Registry };
  // Keyed by store names written in code (never by request data): no bound needed.
  global[REGISTRY] ??= new Map();
  return global[REGISTRY];
}

/**
 * The default store: one `AsyncLocalStorage` per name, kept on `globalThis` under a versioned
 * `Symbol.for` key so that an ESM and a CommonJS copy of this package (the dual-package hazard) see
 * the same context.
 *
 * @param name Relays created with the same name share one store. `createRelay` names its default
 * store after the relay's header, so two relays for different headers never see each other's
 * contexts, while an ESM and a CommonJS relay for the same header share one.
 * @default name "passport"
 * @example
 * ```ts
 * createRelay({ codec, store: asyncLocalContextStore('billing') });
 * ```
 */
export function asyncLocalContextStore(name = 'passport'): ContextStore {
  const stores = registry();
  let storage = stores.get(name);
  if (storage === undefined) {
    storage = new AsyncLocalStorage<RelayContext>();
    stores.set(name, storage);
  }
  return storage;
}
