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

/** Where undici (Node's bundled copy and npm's) keeps the global dispatcher. */
const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');

function globalDispatcher(): FetchDispatcher | undefined {
  return (globalThis as { [GLOBAL_DISPATCHER]?: FetchDispatcher })[GLOBAL_DISPATCHER];
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
  function target(): FetchDispatcher {
    const resolved = dispatcher ?? globalDispatcher();
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
      return (dispatcher ?? globalDispatcher())?.isMockActive;
    },
    dispatch(options, handler) {
      const redirected = hops++ > 0;
      const headers = hopHeaders(policy, hostnameOf(options.origin), options.headers, redirected);
      return target().dispatch(
        headers === options.headers ? options : { ...options, headers },
        handler,
      );
    },
  };
}
