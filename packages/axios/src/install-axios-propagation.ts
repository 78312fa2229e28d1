import { PassportError, type Relay } from '@passport-relay/core';
import { installedCount, installedKeys, installOnce } from '@passport-relay/core/adapter';
import type { AxiosInstance } from 'axios';
import { adapterKind } from './internal/adapter-kind.js';
import { type FetchDispatcher, hopDispatcher } from './internal/hop-dispatcher.js';
import { hopPolicy, type OutboundRelay } from './internal/hop-policy.js';
import { type BeforeRedirect, redirectGuard } from './internal/redirect-guard.js';

/**
 * Options of {@link installAxiosPropagation}.
 *
 * @example
 * ```ts
 * import axios from 'axios';
 *
 * installAxiosPropagation(relay, { axios }); // the default instance and what it creates
 * installAxiosPropagation(relay, { axios: sdkClient }); // an instance created before the install
 * ```
 */
export interface AxiosPropagationOptions {
  /**
   * The axios instance to install on: the default export (`import axios from 'axios'`) or an
   * instance from `axios.create()`. Instances it creates afterwards with `.create()` are covered
   * too. Required (no default): pass your own import, so the copy of axios your app uses (ESM or
   * CommonJS) is the one hooked.
   */
  readonly axios: AxiosInstance;
}

/** What axios gives a request interceptor, as far as this hook reads and writes it. */
interface RequestConfig {
  headers: {
    has(name: string): boolean;
    set(name: string, value: string): unknown;
  };
  adapter?: unknown;
  fetchOptions?: Record<string, unknown>;
  beforeRedirect?: BeforeRedirect;
}

/** The part of an axios instance the hook touches. */
interface HookedInstance {
  interceptors: {
    request: {
      use(
        onFulfilled: (config: RequestConfig) => RequestConfig,
        onRejected: undefined,
        options: { synchronous: boolean },
      ): number;
      eject(id: number): void;
    };
  };
  getUri(config: RequestConfig): string;
  create?: ((...args: unknown[]) => HookedInstance) | undefined;
}

const KNOWN_OPTIONS = new Set(['axios']);
/** core's `installOnce` names: one hook per instance (counted over every install), and its relays. */
const HOOK = 'axios';
const RELAYS = 'axios.relays';

const AXIOS_HEADERS = {
  has: (headers: RequestConfig['headers'], name: string) => headers.has(name),
  set: (headers: RequestConfig['headers'], name: string, value: string) => {
    headers.set(name, value);
  },
};

function finalHostname(instance: HookedInstance, config: RequestConfig): string {
  try {
    return new URL(instance.getUri(config)).hostname;
  } catch {
    return '';
  }
}

/** One relay's decision applied to one request config. */
function propagate(relay: OutboundRelay, instance: HookedInstance, config: RequestConfig): void {
  const callerSet = new Set<string>();
  for (const name of [relay.header, ...relay.forwardHeaders]) {
    if (config.headers.has(name)) callerSet.add(name);
  }
  const policy = hopPolicy(relay, callerSet);
  if (adapterKind(config.adapter) === 'fetch') {
    // Never on the Request: fetch would carry it through redirects. Added per hop at dispatch.
    const fetchOptions = config.fetchOptions ?? {};
    const dispatcher = fetchOptions.dispatcher as FetchDispatcher | undefined;
    config.fetchOptions = { ...fetchOptions, dispatcher: hopDispatcher(policy, dispatcher) };
    return;
  }
  if (relay.current() !== undefined || relay.forwardHeaders.length > 0) {
    relay.propagate({ hostname: finalHostname(instance, config) }, config.headers, AXIOS_HEADERS);
  }
  config.beforeRedirect = redirectGuard(policy, config.beforeRedirect);
}

/**
 * Register the interceptor on `instance` and cover the instances it creates. It serves the relays
 * installed on `root` (the instance installed on, which `instance` is or was created from) for as
 * long as they are installed; returns the undo for `root` itself.
 */
function attach(instance: HookedInstance, root: HookedInstance): () => void {
  const interceptor = instance.interceptors.request.use(
    function relayPassport(config) {
      for (const relay of installedKeys(RELAYS, root)) {
        propagate(relay as OutboundRelay, instance, config);
      }
      return config;
    },
    undefined,
    { synchronous: true },
  );
  const originalCreate = instance.create;
  let wrappedCreate: HookedInstance['create'];
  if (typeof originalCreate === 'function') {
    wrappedCreate = function create(this: unknown, ...args: unknown[]) {
      const created = originalCreate.apply(this, args);
      if (installedCount(RELAYS, root) > 0) attach(created, root);
      return created;
    };
    instance.create = wrappedCreate;
  }
  return () => {
    instance.interceptors.request.eject(interceptor);
    if (wrappedCreate !== undefined && instance.create === wrappedCreate) {
      instance.create = originalCreate;
    }
  };
}

function checkOptions(relay: unknown, options: unknown): HookedInstance {
  if (typeof (relay as Partial<Relay> | undefined)?.propagate !== 'function') {
    throw new PassportError(
      'ERR_PASSPORT_OPTIONS',
      'installAxiosPropagation needs a relay: installAxiosPropagation(relay, { axios }).',
    );
  }
  if (typeof options !== 'object' || options === null) {
    throw new PassportError(
      'ERR_PASSPORT_OPTIONS',
      "installAxiosPropagation needs the axios instance: import axios from 'axios'; installAxiosPropagation(relay, { axios }).",
    );
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) {
      throw new PassportError(
        'ERR_PASSPORT_OPTIONS',
        `installAxiosPropagation: unknown option "${key}"; the only option is "axios".`,
      );
    }
  }
  const instance = (options as { axios?: unknown }).axios as Partial<HookedInstance> | undefined;
  if (
    typeof instance?.interceptors?.request?.use !== 'function' ||
    typeof instance.getUri !== 'function'
  ) {
    throw new PassportError(
      'ERR_PASSPORT_OPTIONS',
      'installAxiosPropagation: "axios" must be an axios 1.x instance: import axios from \'axios\' (or axios.create()) and pass it.',
    );
  }
  return instance as HookedInstance;
}

/**
 * Put the caller's passport (and forwarded headers) on every request an axios instance sends to an
 * allowed destination, and on every request of the instances it creates afterwards with
 * `.create()` (interceptors on the default instance do not reach those on their own).
 *
 * Per request, a request interceptor decides on the final URL (`baseURL` + `url`, as
 * `instance.getUri(config)` builds it) and never overrides a header the caller set (set one to
 * `false` to send none). Redirects are decided again at every hop, in the caller's context:
 * - http adapter (the default in Node): the headers go in `config.headers`, and a `beforeRedirect`
 *   hook (chained before yours) removes the relay's headers on a hop to a host `propagateTo` does
 *   not allow, and adds them back on an allowed one;
 * - fetch adapter (`adapter: 'fetch'`): the headers are never put on the `Request` (fetch would carry
 *   them through its redirects); a per-request dispatcher adds them on each hop whose origin is
 *   allowed, through `fetchOptions.dispatcher` (yours if set, else undici's global one).
 *
 * Nothing happens until you call it. Returns the uninstall: once the last install on the instance is
 * undone, the interceptor is ejected, `create` is the original function again, and instances created
 * meanwhile stop adding headers. Installing twice, or with several relays, is harmless.
 *
 * @param relay - The relay whose context and `propagateTo` decide.
 * @param options - `{ axios }`: the instance to install on.
 * @returns A function that undoes this install; calling it again does nothing.
 * @example
 * ```ts
 * import axios from 'axios';
 * import { installAxiosPropagation } from '@passport-relay/axios';
 * import { relay } from './relay.js';
 *
 * const uninstall = installAxiosPropagation(relay, { axios });
 * const orders = axios.create({ baseURL: 'http://orders' }); // covered too
 * ```
 */
export function installAxiosPropagation<T extends object>(
  relay: Relay<T>,
  options: AxiosPropagationOptions,
): () => void {
  const instance = checkOptions(relay, options);
  // The relay first, so the hook never runs without it; each uninstall is core's, harmless twice.
  const releaseRelay = installOnce(RELAYS, instance, relay, () => () => {});
  const releaseHook = installOnce(HOOK, instance, instance, () => attach(instance, instance));
  return function uninstallAxiosPropagation() {
    releaseRelay();
    releaseHook();
  };
}
