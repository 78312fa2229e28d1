import type { OutboundHeaders } from '@passport-relay/core';
import type { HopRequest } from '@passport-relay/core/adapter';

type Entry = readonly [unknown, unknown];

const NONE: OutboundHeaders = Object.freeze([]);

/** How the caller gave undici its headers; the copy we dispatch keeps the same shape. */
type Shape = 'none' | 'object' | 'flat' | 'pairs' | 'iterable';

function lowerName(name: unknown): string | undefined {
  if (typeof name === 'string') return name.toLowerCase();
  if (Buffer.isBuffer(name)) return name.toString('latin1').toLowerCase();
  return undefined;
}

/** undici's own test (`util.hasSafeIterator`): a plain object is read by keys, anything else iterated. */
function hasSafeIterator(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return (
    Object.hasOwn(value, Symbol.iterator) ||
    (prototype !== null &&
      prototype !== Object.prototype &&
      typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function')
  );
}

function shapeOf(headers: unknown): Shape {
  if (headers === undefined || headers === null) return 'none';
  if (Array.isArray(headers))
    return headers.length > 0 && Array.isArray(headers[0]) ? 'pairs' : 'flat';
  if (typeof headers === 'object' && hasSafeIterator(headers)) return 'iterable';
  return 'object';
}

/**
 * The caller's request headers, in any shape undici accepts (object, flat `[name, value, ...]`
 * array, array of pairs, or an iterable such as `Headers` or `Map`), plus the headers the relay
 * adds. Never mutates the caller's container: {@link result} is a copy when anything was added.
 */
export class OutboundHeaderCarrier implements HopRequest {
  readonly #source: unknown;
  readonly #shape: Shape;
  /** Entries of a one-shot iterable, read once and replayed. */
  #entries: Entry[] | undefined;
  /** Lower-case names the caller set to a value undici sends (anything but `undefined`). */
  #present: Set<string> | undefined;
  /** The headers the relay adds: its own decision's list, kept as it is (no copy). */
  #added: OutboundHeaders = NONE;

  constructor(headers: unknown) {
    this.#source = headers;
    this.#shape = shapeOf(headers);
  }

  /** How many headers were added. */
  get added(): number {
    return this.#added.length;
  }

  /** Whether the caller set `name` (lower case) explicitly. */
  has(name: string): boolean {
    // A plain object (what fetch dispatches) is asked directly: no set of its names to build.
    if (this.#shape === 'object') return hasOwnName(this.#source as object, name);
    this.#present ??= this.#collectNames();
    return this.#present.has(name);
  }

  /** Add `headers` (core's `decideHop` result: names the caller did not set) to the result. */
  add(headers: OutboundHeaders): void {
    this.#added = this.#added.length === 0 ? headers : [...this.#added, ...headers];
  }

  /**
   * The headers to dispatch: the caller's own container when nothing was added and it was not
   * consumed, otherwise a fresh one of the same shape with the added headers at the end.
   */
  result(): unknown {
    const added = this.#added;
    const source = this.#source;
    switch (this.#shape) {
      case 'none':
        return added.length === 0 ? source : Object.fromEntries(added);
      case 'object': {
        if (added.length === 0) return source;
        const copy: Record<string, unknown> = { ...(source as object) };
        for (const [name, value] of added) copy[name] = value;
        return copy;
      }
      case 'flat':
        return added.length === 0 ? source : [...(source as unknown[]), ...added.flat()];
      case 'pairs':
        // Fresh pairs: the relay's own are shared by every request of the context.
        return added.length === 0
          ? source
          : [...(source as unknown[]), ...added.map(([name, value]) => [name, value])];
      case 'iterable': {
        if (this.#entries === undefined) return source;
        return replay([...this.#entries, ...added]);
      }
    }
  }

  /** Whether {@link result} must be dispatched instead of the caller's container. */
  get changed(): boolean {
    return this.#added.length > 0 || this.#entries !== undefined;
  }

  #collectNames(): Set<string> {
    const names = new Set<string>();
    const note = (name: unknown, value: unknown) => {
      const lower = value === undefined ? undefined : lowerName(name);
      if (lower !== undefined) names.add(lower);
    };
    const source = this.#source;
    switch (this.#shape) {
      case 'none':
        break;
      case 'object':
        for (const name of Object.keys(source as object)) {
          note(name, (source as Record<string, unknown>)[name]);
        }
        break;
      case 'flat': {
        const flat = source as readonly unknown[];
        for (let i = 0; i < flat.length; i += 2) note(flat[i], flat[i + 1]);
        break;
      }
      case 'pairs':
        for (const entry of source as readonly unknown[]) {
          if (Array.isArray(entry)) note(entry[0], entry[1]);
        }
        break;
      case 'iterable': {
        // A generator can be read only once: keep what we read and dispatch a replay of it.
        const entries: Entry[] = [];
        for (const entry of source as Iterable<unknown>) {
          entries.push(entry as Entry);
          if (Array.isArray(entry)) note(entry[0], entry[1]);
        }
        this.#entries = entries;
        break;
      }
    }
    return names;
  }
}

/** Whether `headers` has a set (not `undefined`) header `name` (lower case), in any case. */
function hasOwnName(headers: object, name: string): boolean {
  for (const key in headers) {
    if (
      // Lower-casing only names of the right length: most are not, and fetch's are all lower case.
      key.length === name.length &&
      Object.hasOwn(headers, key) &&
      (headers as Record<string, unknown>)[key] !== undefined &&
      key.toLowerCase() === name
    ) {
      return true;
    }
  }
  return false;
}

/** An object undici iterates (own `Symbol.iterator`), replaying `entries` every time. */
function replay(entries: readonly unknown[]): Iterable<unknown> {
  return {
    [Symbol.iterator]: () => entries[Symbol.iterator](),
  };
}
