import type { Relay } from '@passport-relay/core';

/** The part of a relay the node:http hook uses; every `Relay<T>` has it. */
export type OutboundRelay = Pick<Relay, 'propagate' | 'allows' | 'currentContext'>;

type Callback = (...args: never[]) => unknown;
type Options = Readonly<Record<string, unknown>>;
/** `options.headers` as Node accepts it: an object, `[name, value, ...]` or `[[name, value], ...]`. */
type RequestHeaders = Readonly<Record<string, unknown>> | readonly unknown[];

/** One call of `request`/`get`, taken apart the way Node reads its arguments. */
interface RequestCall {
  /** The URL string or URL object given first, if any. */
  readonly input: string | URL | undefined;
  readonly options: Options | undefined;
  readonly callback: unknown;
}

/** Node's own test for a URL argument (`internal/url` `isURL`), so both sides agree. */
function isUrlLike(value: unknown): value is URL {
  if (typeof value !== 'object' || value === null) return false;
  const url = value as Partial<URL> & { auth?: unknown; path?: unknown };
  return Boolean(url.href && url.protocol && url.auth === undefined && url.path === undefined);
}

function isOptions(value: unknown): value is Options {
  return typeof value === 'object' && value !== null;
}

/**
 * `(url, options?, callback?)` or `(options, callback?)`; `undefined` for anything Node would refuse
 * anyway, which is then passed through untouched for Node to report.
 */
function parseCall(args: readonly unknown[]): RequestCall | undefined {
  const [first, second, third] = args;
  if (typeof first === 'string' || isUrlLike(first)) {
    if (typeof second === 'function') return { input: first, options: undefined, callback: second };
    if (second !== undefined && second !== null && !isOptions(second)) return undefined;
    return { input: first, options: second ?? undefined, callback: third };
  }
  if (first !== undefined && first !== null && !isOptions(first)) return undefined;
  return { input: undefined, options: first ?? undefined, callback: second };
}

/** Whether `options` overrides `key`, as `Object.assign` (which Node merges options with) sees it. */
function overrides(options: Options | undefined, key: string): options is Options {
  return options !== undefined && Object.prototype.propertyIsEnumerable.call(options, key);
}

/** `host` may carry a port (`orders:8080`, `[::1]:8080`); a bare IPv6 address has several colons. */
function withoutPort(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end < 0 ? host : host.slice(0, end + 1);
  }
  const colon = host.indexOf(':');
  return colon >= 0 && host.indexOf(':', colon + 1) < 0 ? host.slice(0, colon) : host;
}

/**
 * The host Node will connect to: `options.hostname`, else `options.host` without its port, else the
 * URL's host name, else `localhost` (Node's default). Options override the URL field by field, as in
 * Node. An empty string means "unknown", which no destination policy allows.
 */
function destinationHost(call: RequestCall): string {
  let urlHostname: unknown;
  if (call.input !== undefined) {
    try {
      urlHostname =
        typeof call.input === 'string' ? new URL(call.input).hostname : call.input.hostname;
    } catch {
      return '';
    }
  }
  const hostname = overrides(call.options, 'hostname') ? call.options.hostname : urlHostname;
  if (typeof hostname === 'string' && hostname !== '') return hostname;
  if (hostname !== undefined && hostname !== null && typeof hostname !== 'string') return '';
  const host = overrides(call.options, 'host') ? call.options.host : undefined;
  if (typeof host === 'string' && host !== '') return withoutPort(host);
  if (host !== undefined && host !== null && typeof host !== 'string') return '';
  return 'localhost';
}

/** The destination handed to the relay: the host is worked out only if a relay asks for it. */
class CallDestination {
  #hostname: string | undefined;
  constructor(private readonly call: RequestCall) {}
  get hostname(): string {
    this.#hostname ??= destinationHost(this.call);
    return this.#hostname;
  }
}

/**
 * The caller's headers, copied on the first change so neither the caller's options nor their headers
 * object is ever changed (a client that reuses its options on a redirect must not carry an injected
 * header to the next hop). Keeps whichever of Node's three shapes the caller used.
 */
class HeaderCopy {
  #copy: Record<string, unknown> | unknown[] | undefined;

  constructor(private readonly original: RequestHeaders | undefined) {}

  get headers(): RequestHeaders | undefined {
    return this.#copy ?? this.original;
  }

  get changed(): boolean {
    return this.#copy !== undefined;
  }

  /** `[name, value]` pairs as they stand, names as given. */
  #entries(): [string, unknown][] {
    const headers = this.headers;
    if (headers === undefined || headers === null || typeof headers !== 'object') return [];
    if (!Array.isArray(headers)) return Object.entries(headers);
    if (isPairs(headers)) {
      return (headers as readonly (readonly unknown[])[]).map((pair) => [String(pair[0]), pair[1]]);
    }
    const entries: [string, unknown][] = [];
    for (let i = 0; i < headers.length; i += 2) entries.push([String(headers[i]), headers[i + 1]]);
    return entries;
  }

  has(name: string): boolean {
    return this.#entries().some(([key]) => key.toLowerCase() === name);
  }

  set(name: string, value: string): void {
    const original = this.original;
    if (this.#copy === undefined) {
      this.#copy = Array.isArray(original) ? [...original] : { ...original };
    }
    if (!Array.isArray(this.#copy)) this.#copy[name] = value;
    else if (Array.isArray(original) && isPairs(original)) this.#copy.push([name, value]);
    else this.#copy.push(name, value);
  }

  /** Remove `name` (any case) where its value is exactly `value`. */
  removeValue(name: string, value: string): void {
    const entries = this.#entries();
    const kept = entries.filter(([key, v]) => key.toLowerCase() !== name || String(v) !== value);
    if (kept.length === entries.length) return;
    const original = this.original;
    if (!Array.isArray(original)) this.#copy = Object.fromEntries(kept);
    else this.#copy = isPairs(original) ? kept : kept.flat();
  }
}

function isPairs(headers: readonly unknown[]): boolean {
  return headers.length > 0 && Array.isArray(headers[0]);
}

const HEADER_ACCESS = {
  has: (carrier: HeaderCopy, name: string) => carrier.has(name),
  set: (carrier: HeaderCopy, name: string, value: string) => carrier.set(name, value),
};

/** How to call the original `request`/`get`, and what to keep off the request it returns. */
export interface PreparedCall {
  /** The caller's own arguments, or the same call shape with copied options and headers. */
  readonly args: readonly unknown[];
  /**
   * For a destination off the list: the relay's own values (name to value), which a client may
   * carry over from an earlier request (superagent copies `req.getHeaders()` on a redirect) and
   * must not reach this host. `undefined` when there are none.
   */
  readonly withheld: ReadonlyMap<string, string> | undefined;
}

/**
 * Apply every relay's decision to one call. To an allowed destination, each relay's headers the
 * caller did not set are added. To a destination off the list, nothing is added and any header that
 * carries a relay's own current value is taken off, whoever put it there.
 */
export function prepareCall(
  relays: Iterable<OutboundRelay>,
  args: readonly unknown[],
): PreparedCall {
  const call = parseCall(args);
  if (call === undefined) return { args, withheld: undefined };
  const destination = new CallDestination(call);
  const headers = new HeaderCopy(
    overrides(call.options, 'headers') ? (call.options.headers as RequestHeaders) : undefined,
  );
  let withheld: Map<string, string> | undefined;
  for (const relay of relays) {
    if (relay.propagate(destination, headers, HEADER_ACCESS) > 0) continue;
    const values = relay.currentContext()?.headers ?? [];
    if (values.length === 0 || relay.allows(destination)) continue;
    if (withheld === undefined) withheld = new Map();
    for (const [name, value] of values) {
      headers.removeValue(name, value);
      withheld.set(name, value);
    }
  }
  if (!headers.changed) return { args, withheld };
  const options = { ...call.options, headers: headers.headers };
  const rest = call.callback === undefined ? [] : [call.callback as Callback];
  return {
    args: call.input === undefined ? [options, ...rest] : [call.input, options, ...rest],
    withheld,
  };
}
