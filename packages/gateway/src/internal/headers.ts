import type { HeaderCarrier } from '@passport-relay/core';

/** A WHATWG `Headers` (fetch, Hono, workers) or a header record (Node, Fastify), any casing. */
export type AnyHeaders = Headers | HeaderCarrier;

interface HeadersLike {
  get(name: string): string | null;
  delete(name: string): void;
}

function isHeadersObject(headers: unknown): headers is HeadersLike {
  const candidate = headers as Partial<Record<'get' | 'delete', unknown>>;
  return typeof candidate.get === 'function' && typeof candidate.delete === 'function';
}

function pushValues(into: string[], value: HeaderCarrier[string]): void {
  if (value === undefined) return;
  if (typeof value === 'string') into.push(value);
  else if (typeof value === 'number') into.push(String(value));
  else if (Buffer.isBuffer(value)) into.push(value.toString('latin1'));
  else for (const item of value) into.push(String(item));
}

/**
 * Every value of each wanted header (lower-case names), whatever the casing of the record's keys,
 * in one pass. A header sent twice yields two values (or, from `Headers`, one joined with ", ").
 */
export function readHeaders(
  headers: AnyHeaders,
  wanted: ReadonlySet<string>,
): Map<string, string[]> {
  const found = new Map<string, string[]>();
  if (isHeadersObject(headers)) {
    for (const name of wanted) {
      const value = headers.get(name);
      if (value !== null) found.set(name, [value]);
    }
    return found;
  }
  for (const key of Object.keys(headers)) {
    const name = key.toLowerCase();
    if (!wanted.has(name)) continue;
    const values = found.get(name) ?? [];
    pushValues(values, headers[key]);
    if (values.length > 0) found.set(name, values);
  }
  return found;
}

/** Delete every header named in `names` (lower case) from `headers`, whatever its casing. */
export function removeHeaders(
  headers: AnyHeaders | Record<string, unknown>,
  names: ReadonlySet<string>,
): number {
  let removed = 0;
  if (isHeadersObject(headers)) {
    for (const name of names) {
      if (headers.get(name) !== null) {
        headers.delete(name);
        removed++;
      }
    }
    return removed;
  }
  const record = headers as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (names.has(key.toLowerCase())) {
      delete record[key];
      removed++;
    }
  }
  return removed;
}
