/**
 * Bytes service A allocates per request (issue #16: "the cached path allocates nothing per request
 * beyond what the floor allocates"). The chain of callgrind.ts, A running natively:
 *
 *   sequential keep-alive client (this process) ──▶ A ──global fetch──▶ B
 *
 * Per cell: start B and A (A with `--expose-gc` and a young generation large enough that the
 * settling and measured requests fit in it), send the warm-up requests, then `--rounds` times: A
 * forces a full GC and starts a `v8.GCProfiler`; `--settle` requests (the GC deoptimizes code that
 * depended on V8's pretenuring decisions, and unoptimized code allocates what optimized code
 * would not: callgrind.ts's README section says more); A notes its used heap
 * (`v8.getHeapStatistics().used_heap_size`); `--requests` requests one after the other; A notes
 * the used heap again (no GC since the full one: the profiler must count none, else the command
 * fails), then forces a full GC and notes what stayed. Allocated per request = (used after − used
 * before) / requests; retained per request = (used after the last GC − used after the first) /
 * (settling + measured requests).
 *
 *   pnpm --filter ./bench run alloc -- --runtime 20,26 --framework express --variant alsFloor,relaySignedCached
 *
 * Flags: `--runtime` (default 26), `--framework` (default express), `--variant` (default
 * none,alsFloor,relayPlain,relaySignedCached), `--requests` (default 1000), `--warmup` (default
 * 5000), `--settle` (default 1000), `--rounds` (default 3). Writes `results/alloc.{json,md}` (merged cell by cell).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cliArgs } from './cli-args.ts';
import {
  allocationWindow,
  client,
  type Framework,
  type RunningServer,
  startServer,
} from './harness.ts';
import { issuer, newSecret } from './passports.ts';
import { nodeFor } from './runtimes.ts';
import { STEADY_FLAGS_SUMMARY, steadyFlags } from './steady-flags.ts';
import { request, type Variant } from './variants.ts';

/** A's flags: callgrind.ts's, so both measure the same process (steady-flags.ts says why each). */
const flags = (runtime: string) => ['--expose-gc', ...steadyFlags(runtime)];

const { values: args } = parseArgs({
  args: cliArgs(),
  options: {
    runtime: { type: 'string', default: '26' },
    framework: { type: 'string', default: 'express' },
    variant: { type: 'string', default: 'none,alsFloor,relayPlain,relaySignedCached' },
    requests: { type: 'string', default: '1000' },
    warmup: { type: 'string', default: '5000' },
    settle: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
    'gc-count': { type: 'boolean', default: false },
  },
});

/**
 * `--gc-count`: a side run with the flags callgrind.ts once used (16 MB semi-spaces): no allocation figure,
 * only how many GCs fall into each window of `--requests` requests (they are allowed here).
 * How many scavenges a callgrind window holds, and whether that number moves, decides how
 * repeatable the instruction figure can be.
 */
const GC_COUNT_FLAGS = [
  '--expose-gc',
  '--predictable',
  '--predictable-gc-schedule',
  '--random-seed=1',
  '--hash-seed=1',
  '--no-memory-reducer',
  '--min-semi-space-size=16',
  '--max-semi-space-size=16',
  '--no-flush-bytecode',
];

interface AllocCell {
  readonly runtime: string;
  readonly node: string;
  readonly framework: string;
  readonly variant: string;
  /** Bytes allocated per request, one per round. */
  readonly allocated: number[];
  /** Bytes still used after a full GC, per request, one per round. */
  readonly retained: number[];
}

const list = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

async function measure(
  runtime: string,
  framework: Framework,
  variant: Variant,
  options: { requests: number; warmup: number; settle: number; rounds: number },
): Promise<Pick<AllocCell, 'allocated' | 'retained'>> {
  const execPath = nodeFor(runtime);
  const secret = newSecret();
  const { headers, expected } = request(variant, issuer(secret), 'user-1');
  const b = await startServer({ framework, variant, role: 'b', secret }, { execPath });
  let a: RunningServer | undefined;
  const http = client();
  try {
    a = await startServer(
      { framework, variant, role: 'a', secret, downstream: b.origin },
      { execPath, nodeFlags: args['gc-count'] ? GC_COUNT_FLAGS : flags(runtime) },
    );
    const url = `${a.origin}/`;
    const call = async () => {
      const body = JSON.parse(await http.get(url, headers)) as { passport: string | null };
      if (body.passport !== expected) {
        throw new Error(`${framework}/${variant}: B saw ${body.passport}, expected ${expected}`);
      }
    };
    for (let i = 0; i < options.warmup; i++) await call();
    const allocated: number[] = [];
    const retained: number[] = [];
    for (let round = 0; round < options.rounds; round++) {
      await allocationWindow(a, 'alloc start');
      if (!args['gc-count']) {
        for (let i = 0; i < options.settle; i++) await call();
        await allocationWindow(a, 'alloc mark');
      }
      for (let i = 0; i < options.requests; i++) await call();
      const window = await allocationWindow(a, 'alloc stop');
      if (args['gc-count']) {
        console.log(`  round ${round + 1}: ${window.gcs} GC(s) in ${options.requests} requests`);
        continue;
      }
      if (window.gcs !== 0) {
        throw new Error(
          `${framework}/${variant}: ${window.gcs} GC(s) ran in the window; fewer --requests`,
        );
      }
      allocated.push(window.allocated / options.requests);
      // Retained is counted from the full GC, so over the settling requests too.
      retained.push(window.retained / (options.settle + options.requests));
    }
    return { allocated, retained };
  } finally {
    http.close();
    await a?.stop();
    await b.stop();
  }
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)]!;
};

function markdown(cells: readonly AllocCell[], settings: object): string {
  const lines = [
    '## Bytes allocated per request by service A (alloc.ts)',
    '',
    `Settings: ${JSON.stringify(settings)}. Median of the rounds; range in brackets.`,
    '',
    '| Node | framework | variant | allocated B/request | over the floor | retained B/request |',
    '|---|---|---|---:|---:|---:|',
  ];
  for (const cell of cells) {
    const floor = cells.find(
      (c) =>
        c.runtime === cell.runtime && c.framework === cell.framework && c.variant === 'alsFloor',
    );
    const value = median(cell.allocated);
    const over = floor && cell !== floor ? `${Math.round(value - median(floor.allocated))}` : '';
    const range = `[${Math.round(Math.min(...cell.allocated))}–${Math.round(Math.max(...cell.allocated))}]`;
    lines.push(
      `| ${cell.node} | ${cell.framework} | ${cell.variant} | ${Math.round(value).toLocaleString('en-US')} ${range} | ${over} | ${Math.round(median(cell.retained))} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const settings = {
    requests: Number(args.requests),
    warmup: Number(args.warmup),
    settle: Number(args.settle),
    rounds: Number(args.rounds),
    flags: `--expose-gc ${STEADY_FLAGS_SUMMARY}`,
  };
  const path = fileURLToPath(new URL('./results/alloc.json', import.meta.url));
  const old = existsSync(path)
    ? (JSON.parse(readFileSync(path, 'utf8')) as { cells: AllocCell[] }).cells
    : [];
  const measured: AllocCell[] = [];
  for (const runtime of list(args.runtime!)) {
    const node = execFileSync(nodeFor(runtime), ['--version'], { encoding: 'utf8' }).trim();
    for (const framework of list(args.framework!) as Framework[]) {
      for (const variant of list(args.variant!) as Variant[]) {
        const measuredCell = await measure(runtime, framework, variant, settings);
        if (args['gc-count']) continue;
        const cell = {
          runtime,
          node,
          framework,
          variant,
          ...measuredCell,
        };
        console.log(
          `${node} ${framework} ${variant}: ${cell.allocated.map((n) => Math.round(n)).join(', ')} B allocated/request; retained ${cell.retained.map((n) => Math.round(n)).join(', ')}`,
        );
        measured.push(cell);
      }
    }
  }
  const same = (x: AllocCell, y: AllocCell) =>
    x.runtime === y.runtime && x.framework === y.framework && x.variant === y.variant;
  const cells = [...old.filter((o) => !measured.some((m) => same(m, o))), ...measured];
  writeFileSync(path, `${JSON.stringify({ settings, cells }, null, 2)}\n`);
  writeFileSync(path.replace(/json$/, 'md'), markdown(cells, settings));
  console.log(`\n${markdown(cells, settings)}`);
}

await main();
