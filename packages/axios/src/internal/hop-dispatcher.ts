import { optionError } from '@passport-relay/core/adapter';
import { applyToRecord, type HopPolicy, hopChange, namesOf } from './hop-policy.js';

/** The part of an undici `Dispatcher` that `fetch` uses. */
export interface FetchDispatcher {
  dispatch(options: DispatchOptions, handler: unknown): boolean;
  readonly isMockActive?: boolean | undefined;
}

interface DispatchOptions {
  readonly origin?: string | URL;
  readonly headers?: Readonly<Record<string, unknown>> | readonly unknown[] | null | undefined;
  readonly [option: string]: unknown;
}

/**
 * The global dispatcher slots. undici 6 and 7 (Node 20 to 24's fetch, npm undici 7) read the older
 * one; undici 8 (Node 26's fetch, npm undici 8) reads only the newer one, and keeps in the older a
 * wrapper that converts older-interface handlers for it.
 */
const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');
const GLOBAL_DISPATCHER_V2 = Symbol.for('undici.globalDispatcher.2');

type Slots = { [GLOBAL_DISPATCHER]?: FetchDispatcher; [GLOBAL_DISPATCHER_V2]?: FetchDispatcher };

/**
 * The dispatcher the calling `fetch` would have used without ours, told by the handler it passes:
 * undici 8 makes handlers of the newer interface (`onRequestStart`) and reads the newer slot;
 * undici 6 and 7 make older-interface handlers and read the older slot, which holds a dispatcher
 * that takes them in every combination (undici 6 or 7's own, or undici 8's wrapper).
 */
function globalDispatcher(handler: unknown): FetchDispatcher | undefined {
  const slots = globalThis as Slots;
  const newer =
    typeof (handler as { onRequestStart?: unknown } | null)?.onRequestStart === 'function';
  return newer
    ? (slots[GLOBAL_DISPATCHER_V2] ?? slots[GLOBAL_DISPATCHER])
    : slots[GLOBAL_DISPATCHER];
}

function hostnameOf(origin: DispatchOptions['origin']): string {
  try {
    return origin === undefined ? '' : new URL(String(origin)).hostname;
  } catch {
    return '';
  }
}

/** The hop's headers after the decision: the caller's object or array when nothing changes. */
function hopHeaders(
  policy: HopPolicy,
  hostname: string,
  headers: DispatchOptions['headers'],
  redirected: boolean,
): DispatchOptions['headers'] {
  if (Array.isArray(headers)) {
    const pairs: [string, unknown][] = [];
    for (let i = 0; i < headers.length; i += 2) pairs.push([String(headers[i]), headers[i + 1]]);
    const change = hopChange(
      policy,
      hostname,
      new Set(pairs.map(([name]) => name.toLowerCase())),
      redirected,
    );
    if (change === undefined) return headers;
    const kept = change.strip
      ? pairs.filter(([name]) => !policy.managed.includes(name.toLowerCase()))
      : pairs;
    return [...kept, ...change.add].flat();
  }
  const record = (headers ?? {}) as Readonly<Record<string, unknown>>;
  const change = hopChange(policy, hostname, namesOf(record), redirected);
  if (change === undefined) return headers;
  const copy = { ...record };
  applyToRecord(policy, change, copy);
  return copy;
}

/**
 * A dispatcher for one `fetch` call that makes the decision at every hop. `fetch` follows redirects
 * itself and carries the request's headers to the next host, so the relay's headers are never put
 * on the `Request`: they are added here, per dispatch, for the hop's own origin. A redirect hop to a
 * host the policy does not allow also loses any managed header the caller set.
 */
export function hopDispatcher(
  policy: HopPolicy,
  dispatcher: FetchDispatcher | undefined,
): FetchDispatcher {
  let hops = 0;
  function target(handler: unknown): FetchDispatcher {
    const resolved = dispatcher ?? globalDispatcher(handler);
    if (resolved === undefined) {
      throw optionError(
        'installAxiosPropagation (fetch adapter)',
        'no undici dispatcher to send through; pass fetchOptions.dispatcher or use Node’s global fetch.',
      );
    }
    return resolved;
  }
  return {
    get isMockActive() {
      const slots = globalThis as Slots;
      return (dispatcher ?? slots[GLOBAL_DISPATCHER_V2] ?? slots[GLOBAL_DISPATCHER])?.isMockActive;
    },
    dispatch(options, handler) {
      const redirected = hops++ > 0;
      const headers = hopHeaders(policy, hostnameOf(options.origin), options.headers, redirected);
      return target(handler).dispatch(
        headers === options.headers ? options : { ...options, headers },
        handler,
      );
    },
  };
}
