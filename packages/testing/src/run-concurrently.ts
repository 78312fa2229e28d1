/**
 * Run `task(0)` to `task(total - 1)` with at most `limit` in flight, and resolve with their
 * results in index order: thousands of concurrent callers without opening thousands of sockets at
 * once. After a task fails no new task starts, and the first failure rejects.
 *
 * @example
 * ```ts
 * const subs = await runConcurrently(2_000, 100, async (i) => {
 *   const response = await fetch(`${server.origin}/me`, {
 *     headers: { passport: relay.issue({ sub: `user-${i}` }) },
 *   });
 *   return ((await response.json()) as { sub: string }).sub;
 * });
 * ```
 */
export async function runConcurrently<T>(
  total: number,
  limit: number,
  task: (index: number) => Promise<T>,
): Promise<T[]> {
  if (!Number.isInteger(total) || total < 0) {
    throw new RangeError(`runConcurrently: "total" must be a whole number; received ${total}.`);
  }
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(
      `runConcurrently: "limit" must be a whole number from 1; received ${limit}.`,
    );
  }
  const results = new Array<T>(total);
  let next = 0;
  let failed = false;
  async function worker(): Promise<void> {
    while (!failed && next < total) {
      const index = next++;
      try {
        results[index] = await task(index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, total) }, worker));
  return results;
}
