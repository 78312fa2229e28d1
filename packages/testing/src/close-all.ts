/**
 * Something a test opened: an object with `close()` (a server, an app, a client), or an uninstall.
 * @example
 * ```ts
 * const opened: Closable[] = [await listenOnLoopback(app), installHttpPropagation(relay)];
 * ```
 */
export type Closable = { close(): unknown } | (() => unknown);

/**
 * Close everything in `opened`, newest first, and empty the list: for `afterEach`. Everything is
 * closed even when one close fails; the failure is thrown afterwards (several as an
 * `AggregateError`).
 *
 * @example
 * ```ts
 * const opened: Closable[] = [];
 * afterEach(() => closeAll(opened));
 *
 * it('serves', async () => {
 *   const server = await listenOnLoopback(app);
 *   opened.push(server, installHttpPropagation(relay));
 *   // ...
 * });
 * ```
 */
export async function closeAll(opened: Closable[]): Promise<void> {
  const errors: unknown[] = [];
  for (const closable of opened.splice(0).reverse()) {
    try {
      await (typeof closable === 'function' ? closable() : closable.close());
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1)
    throw new AggregateError(errors, `closeAll: ${errors.length} closes failed.`);
}
