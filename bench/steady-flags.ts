/**
 * Node and V8 flags that make A's instruction count repeat from one fresh process to the next
 * (README.md, "Why the figure repeats", says what each one fixes):
 * - `--predictable`: one thread (no concurrent compiler or GC helpers racing the main thread) and
 *   a deterministic heap.
 * - `--random-seed=1`, `--hash-seed=1`: the same Math.random sequence and string hash layout.
 * - `--no-memory-reducer`: no timer-driven extra GCs when the process looks idle.
 * - `--min-semi-space-size`/`--max-semi-space-size` (MB): a young generation large enough that
 *   the settling and measured requests (2,000 of up to 110 kB) allocate into it without a single
 *   GC (callgrind.ts checks).
 *   Not `--predictable-gc-schedule`: it fixes 4 MB semi-spaces whatever these flags say, so
 *   scavenges (and, as objects got promoted, mark-compacts) fell into the window, and how many
 *   mark-compacts fell into a window decided several percent of the figure.
 * - `--no-flush-bytecode`: functions keep their bytecode (and tiering state) across GCs.
 * Besides, A runs with `--expose-gc`; it does one full GC (asked over IPC) before the settling requests.
 */
export const STEADY_FLAGS = [
  '--predictable',
  '--random-seed=1',
  '--hash-seed=1',
  '--no-memory-reducer',
  '--min-semi-space-size=256',
  '--max-semi-space-size=256',
  '--no-flush-bytecode',
] as const;

/**
 * `STEADY_FLAGS`, and on Node 20 `--no-incremental-marking`: its V8 (11.3) starts
 * incremental marking from a task soon after the full GC although the old generation is a fifth
 * of its limit (`--trace-incremental-marking`: 21 MB of 118 MB), and that mark-compact landed in
 * 2,000 requests of every Nest and Express cell. Newer V8s do not, and keep the default.
 */
export function steadyFlags(runtime: string): readonly string[] {
  return runtime === '20' ? [...STEADY_FLAGS, ...NODE_20_FLAGS] : STEADY_FLAGS;
}

const NODE_20_FLAGS = ['--no-incremental-marking'] as const;

/** The flags as results record them. */
export const STEADY_FLAGS_SUMMARY = `${STEADY_FLAGS.join(' ')} (Node 20: and ${NODE_20_FLAGS.join(' ')})`;
