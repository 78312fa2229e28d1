/**
 * Every value of header `name` (any case) in a raw header list (`[name, value, name, value, ...]`,
 * as in `req.rawHeaders` or {@link RecordedRequest.rawHeaders}), in order: a header sent twice
 * shows twice, where `req.headers` would join the two.
 *
 * @example
 * ```ts
 * const [received] = server.requests;
 * expect(rawHeaderValues(received.rawHeaders, 'passport')).toEqual([token]); // exactly once
 * ```
 */
export function rawHeaderValues(rawHeaders: readonly string[], name: string): string[] {
  const wanted = name.toLowerCase();
  const values: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() === wanted) values.push(rawHeaders[i + 1]!);
  }
  return values;
}
