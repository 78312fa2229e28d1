/**
 * Instructions per request: the steady figure (issue #16). Requests per second on a shared 2-core
 * host swing by tens of percent between rounds; the instructions service A executes per request,
 * counted by valgrind's callgrind, repeat within a fraction of a percent, so a 1 % goal can be
 * judged.
 *
 *   sequential keep-alive client (this process) ──▶ A (under callgrind) ──global fetch──▶ B
 *
 * For each cell (runtime × framework × variant): start B, then A under
 * `valgrind --tool=callgrind --instr-atstart=no` with the flags of steady-flags.ts; send the
 * warm-up requests; have A do a full GC, then send the settling requests (see {@link measure});
 * `callgrind_control -i on`; send the measured requests one after the other on one keep-alive
 * connection; dump; `callgrind_control -i off`; stop A and read the dump. Every answer is checked:
 * B must echo the passport sent to A.
 *
 * The figure is the instructions A executes per request less those of V8's optimizing compilers
 * (Maglev and TurboFan, everything under `v8::internal::Compiler::CompileOptimized`), which are
 * counted and reported beside it: with `--predictable` they compile on the main thread, and how
 * many compilations fall into a window of 1,000 requests is a matter of chance (15–48 % of the
 * window's instructions on Node 20–26, 20,000 requests in), not of what the variant does per
 * request.
 *
 *   pnpm --filter ./bench run callgrind -- --runtime 26 --framework express --variant relayPlain
 *   pnpm --filter ./bench run callgrind -- --matrix          # every runtime, framework, variant
 *   pnpm --filter ./bench run callgrind -- --runtime 20 --framework fastify --variant alsFloor --repeat 3
 *
 * Flags: `--runtime 20,24,26` (a list; default 26), `--framework express,fastify,nest`,
 * `--variant ...` (default: every variant of the framework), `--core C` to pin to (default 1), `--matrix` (everything), `--requests N`
 * measured (default 1000), `--warmup N` (default 5000), `--settle N` requests between the full GC
 * and the count (default 1000), `--repeat K` fresh processes per cell
 * (default 1), `--merge a.json,b.json` pool the cells of separate runs into `--out`, `--keep` keep callgrind's output files in results/callgrind/ (A runs with
 * `--perf-basic-prof` and its perf map is kept beside them, for callgrind-functions.ts), `--out NAME` (default `latest`: the
 * cells measured are merged into results/latest.{json,md}, replacing their old figures).
 */
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cliArgs } from './cli-args.ts';
import {
  allocationWindow,
  client,
  type Framework,
  type RunningServer,
  startServer,
  taskset,
} from './harness.ts';
import { issuer, newSecret } from './passports.ts';
import { nodeFor } from './runtimes.ts';
import { STEADY_FLAGS_SUMMARY, steadyFlags } from './steady-flags.ts';
import { request, type Variant } from './variants.ts';

/** The variants measured per framework; the first of `floors` is what the others are compared to. */
const VARIANTS: Record<'express' | 'fastify' | 'nest', readonly Variant[]> = {
  express: [
    'none',
    'handWritten',
    'alsFloor',
    'relayPlain',
    'relaySignedCached',
    'relaySignedUncached',
    'otel',
  ],
  fastify: [
    'none',
    'handWritten',
    'alsFloor',
    'relayPlain',
    'relaySignedCached',
    'relaySignedUncached',
    'otel',
  ],
  // Nest: the adapter (PassportRelayModule, which opens its own nestjs-cls context) against
  // nestjs-cls alone with the header forwarded by hand from its store.
  nest: ['clsFloor', 'relayPlain', 'relaySignedCached', 'relaySignedUncached'],
};

/** What each framework's variants are compared with. */
const FLOOR: Record<keyof typeof VARIANTS, Variant> = {
  express: 'alsFloor',
  fastify: 'alsFloor',
  nest: 'clsFloor',
};

interface CellResult {
  readonly runtime: string;
  readonly node: string;
  readonly framework: string;
  readonly variant: Variant;
  /** Instructions per request of A, V8's optimizing compilers excluded: one per fresh measurement. */
  readonly instructions: number[];
  /** Instructions per request in V8's optimizing compilers, beside each of `instructions`. */
  readonly compiling: number[];
}

const { values: args } = parseArgs({
  args: cliArgs(),
  options: {
    runtime: { type: 'string', default: '26' },
    framework: { type: 'string', default: 'express,fastify,nest' },
    variant: { type: 'string' },
    matrix: { type: 'boolean', default: false },
    requests: { type: 'string', default: '1000' },
    warmup: { type: 'string', default: '5000' },
    settle: { type: 'string', default: '1000' },
    repeat: { type: 'string', default: '1' },
    keep: { type: 'boolean', default: false },
    out: { type: 'string' },
    core: { type: 'string', default: '1' },
    merge: { type: 'string' },
  },
});

/** The core every process of a measurement runs on (`--core`, default 1): the others stay free. */
const CORE = Number(args.core);

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
const OUT_DIR = `${RESULTS}callgrind/`;

function list(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

function nodeVersion(binary: string): string {
  return execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
}

/** `callgrind_control -i on|off PID`: switch A's instruction counting (through vgdb). */
function instrumentation(state: 'on' | 'off', pid: number): void {
  const output = execFileSync('callgrind_control', ['-i', state, String(pid)], {
    encoding: 'utf8',
  });
  if (/error|not found|no /i.test(output))
    throw new Error(`callgrind_control -i ${state}: ${output}`);
}

/** `totals:` of a callgrind dump: the Ir counted since the last dump (`summary:` is cumulative). */
function totalInstructions(file: string): number {
  const text = readFileSync(file, 'utf8');
  const match = /^totals:\s+(\d+)/m.exec(text);
  if (!match) throw new Error(`no totals in ${file}`);
  return Number(match[1]);
}

/**
 * The Ir spent in V8's optimizing compilers: the inclusive cost of
 * `v8::internal::Compiler::CompileOptimized`, the one entry of Maglev and TurboFan jobs (OSR
 * included) when `--predictable` runs them on the main thread. Zero when nothing compiled.
 */
function compilingInstructions(file: string): number {
  const report = execFileSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', file], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  // `'2` and deeper are recursive entries, already inside the first one's inclusive cost.
  const line = /^\s*([\d,]+) .*\bv8::internal::Compiler::CompileOptimized\((?:(?!'\d).)*$/m.exec(
    report,
  );
  return line ? Number(line[1]!.replaceAll(',', '')) : 0;
}

async function measure(
  runtime: string,
  framework: Framework,
  variant: Variant,
  options: {
    requests: number;
    warmup: number;
    settle: number;
    keep: boolean;
    run: number;
    name: string;
  },
): Promise<{ executed: number; compiling: number }> {
  const execPath = nodeFor(runtime);
  const secret = newSecret();
  const { headers, expected } = request(variant, issuer(secret), 'user-1');
  const pin = taskset() === null ? {} : { cpu: CORE };
  const b = await startServer({ framework, variant, role: 'b', secret }, { ...pin, execPath });
  mkdirSync(OUT_DIR, { recursive: true });
  // Named after the run (--out) too, so two runs at once never share a file.
  const outFile = `${OUT_DIR}${options.name}-${runtime}-${framework}-${variant}-${options.run}.out`;
  for (const stale of readdirSync(OUT_DIR)) {
    if (stale.startsWith(basename(outFile))) rmSync(`${OUT_DIR}${stale}`);
  }
  let a: RunningServer | undefined;
  try {
    a = await startServer(
      { framework, variant, role: 'a', secret, downstream: b.origin },
      {
        ...pin,
        execPath,
        // setarch -R: no address-space randomisation, so nothing keyed by an address moves.
        wrapper: [
          'setarch',
          '-R',
          'valgrind',
          '--tool=callgrind',
          '--instr-atstart=no',
          `--callgrind-out-file=${outFile}`,
        ],
        nodeFlags: [
          ...steadyFlags(runtime),
          '--expose-gc',
          ...(options.keep ? ['--perf-basic-prof'] : []),
        ],
      },
    );
    const started = Date.now();
    const http = client();
    const url = `${a.origin}/`;
    const call = async () => {
      const body = JSON.parse(await http.get(url, headers)) as { passport: string | null };
      if (body.passport !== expected) {
        throw new Error(`${framework}/${variant}: B saw ${body.passport}, expected ${expected}`);
      }
    };
    for (let i = 0; i < options.warmup; i++) {
      await call();
      if (i % 1000 === 999) console.log(`  warm-up ${i + 1}/${options.warmup}`);
    }
    const warm = Date.now();
    // A full GC, so no old-generation GC left over from the warm-up lands in one window and not
    // the next. It changes V8's pretenuring decisions and deoptimizes the code that depended on
    // them (30–45 functions); the settling requests let that code tier up again uncounted.
    await allocationWindow(a, 'alloc start');
    for (let i = 0; i < options.settle; i++) await call();
    instrumentation('on', a.child.pid!);
    for (let i = 0; i < options.requests; i++) await call();
    // Dump while counting: the exit dump after `-i off` reports nothing.
    execFileSync('callgrind_control', ['-d', String(a.child.pid!)], { stdio: 'ignore' });
    instrumentation('off', a.child.pid!);
    // The figure is the requests' own work, with no GC in it: a GC in the window would charge
    // one cell and not the next (alloc.ts measures what each variant allocates instead).
    const window = await allocationWindow(a, 'alloc stop');
    if (window.gcs !== 0) {
      throw new Error(
        `${framework}/${variant}: ${window.gcs} GC(s) ran while settling or counting (${window.allocated} bytes allocated); measure fewer --requests or --settle`,
      );
    }
    http.close();
    console.log(
      `  warm-up ${((warm - started) / 1000).toFixed(0)} s, measured ${((Date.now() - warm) / 1000).toFixed(0)} s`,
    );
    const aPid = a.child.pid!;
    await a.stop();
    a = undefined;
    const dumps = readdirSync(OUT_DIR).filter((f) => f.startsWith(`${basename(outFile)}.`));
    if (dumps.length !== 1) throw new Error(`expected one callgrind dump, found ${dumps}`);
    const dump = `${OUT_DIR}${dumps[0]}`;
    const total = totalInstructions(dump);
    const compiling = compilingInstructions(dump);
    if (options.keep) {
      // A's JIT symbols (--perf-basic-prof), to name the JIT code callgrind only knows by address.
      copyFileSync(`/tmp/perf-${aPid}.map`, `${dump}.map`);
      rmSync(`/tmp/perf-${aPid}.map`, { force: true });
    }
    if (!options.keep) {
      rmSync(outFile, { force: true });
      rmSync(dump, { force: true });
    }
    return {
      executed: (total - compiling) / options.requests,
      compiling: compiling / options.requests,
    };
  } finally {
    await a?.stop();
    await b.stop();
  }
}

function spreadPercent(values: readonly number[]): number {
  return values.length < 2 ? 0 : (Math.max(...values) / Math.min(...values) - 1) * 100;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const k = (n: number) => `${Math.round(n / 1000).toLocaleString('en-US')}k`;
const pct = (n: number) => `${n >= 0 ? '+' : '−'}${Math.abs(n).toFixed(1)} %`;

/** The Markdown tables: one per runtime, a column per framework, a row per variant. */
function markdown(results: readonly CellResult[], settings: object): string {
  const lines: string[] = [
    '## Instructions per request of service A (callgrind)',
    '',
    `Latest settings: ${JSON.stringify(settings)}`,
    '',
  ];
  for (const runtime of [...new Set(results.map((r) => r.runtime))]) {
    const ofRuntime = results.filter((r) => r.runtime === runtime);
    const frameworks = [...new Set(ofRuntime.map((r) => r.framework))];
    const variants = [...new Set(ofRuntime.map((r) => r.variant))];
    lines.push(`### Node ${ofRuntime[0]!.node}`, '');
    lines.push(
      `| variant | ${frameworks.join(' | ')} |`,
      `|---|${frameworks.map(() => '---:').join('|')}|`,
    );
    for (const variant of variants) {
      const cells = frameworks.map((framework) => {
        const cell = ofRuntime.find((r) => r.framework === framework && r.variant === variant);
        if (!cell) return '';
        const value = median(cell.instructions);
        const floor = ofRuntime.find(
          (r) => r.framework === framework && r.variant === FLOOR[framework as keyof typeof FLOOR],
        );
        const over =
          floor && variant !== floor.variant
            ? ` (${pct((value / median(floor.instructions) - 1) * 100)})`
            : '';
        const repeat =
          cell.instructions.length > 1
            ? `×${cell.instructions.length}, spread ${spreadPercent(cell.instructions).toFixed(2)} %; `
            : '';
        return `${k(value)}${over} [${repeat}JIT ${k(median(cell.compiling))}]`;
      });
      lines.push(`| ${variant} | ${cells.join(' | ')} |`);
    }
    lines.push('');
  }
  lines.push(
    "Instructions executed per request, V8's optimizing compilers excluded; in brackets, those spent compiling (Maglev and TurboFan) in the same window, per request. Percentages: over the floor of the framework (`alsFloor` for Express and Fastify, `clsFloor`, nestjs-cls alone, for Nest).",
    '',
  );
  return lines.join('\n');
}

async function main(): Promise<void> {
  const runtimes = args.matrix ? ['20', '24', '26'] : list(args.runtime!);
  const frameworks = (args.matrix ? ['express', 'fastify', 'nest'] : list(args.framework!)) as (
    | 'express'
    | 'fastify'
    | 'nest'
  )[];
  const requests = Number(args.requests);
  const warmup = Number(args.warmup);
  const settle = Number(args.settle);
  const repeat = Number(args.repeat);
  for (const runtime of runtimes) nodeFor(runtime); // an unknown runtime fails before any cell
  const settings = {
    requests,
    warmup,
    settle,
    repeat,
    flags: STEADY_FLAGS_SUMMARY,
    core: CORE,
  };
  if (args.merge) {
    // The runs merged are taken to have used this command line's window and flags (the defaults);
    // repeats and cores differ between them, and each cell shows its own repeats.
    const { repeat: _repeat, core: _core, ...window } = settings;
    write(args.out ?? 'latest', mergedFrom(list(args.merge)), { ...window, merged: args.merge });
    return;
  }
  console.log(`callgrind: ${JSON.stringify(settings)}; load ${loadavg()[0]!.toFixed(2)}`);
  const results: CellResult[] = [];
  process.on('SIGINT', () => {
    write(args.out ?? 'latest', results, settings);
    process.exit(130);
  });
  for (const runtime of runtimes) {
    const node = nodeVersion(nodeFor(runtime));
    for (const framework of frameworks) {
      const variants = args.variant
        ? list(args.variant).filter((v) => VARIANTS[framework].includes(v as Variant))
        : VARIANTS[framework];
      for (const variant of variants as Variant[]) {
        const instructions: number[] = [];
        const compiling: number[] = [];
        for (let run = 0; run < repeat; run++) {
          const started = Date.now();
          const perRequest = await measure(runtime, framework, variant, {
            requests,
            warmup,
            settle,
            keep: args.keep!,
            run,
            name: args.out ?? 'latest',
          });
          instructions.push(perRequest.executed);
          compiling.push(perRequest.compiling);
          console.log(
            `${node} ${framework} ${variant}: ${Math.round(perRequest.executed).toLocaleString('en-US')} instructions/request, ${Math.round(perRequest.compiling).toLocaleString('en-US')} more compiling (${Math.round((Date.now() - started) / 1000)} s)`,
          );
        }
        results.push({ runtime, node, framework, variant, instructions, compiling });
      }
    }
  }
  const name = args.out ?? 'latest';
  write(name, results, settings);
}

interface InstructionsJson {
  settings: object;
  results: (CellResult & { median: number; date: string; settings: object })[];
}

/**
 * Merge `results` into `results/<name>.json` (key `instructions`) and the instructions section of
 * `results/<name>.md`: a cell measured again replaces its old figure, every other cell stays, so
 * the matrix can be filled in several runs (each cell records its own date and settings).
 */
function write(name: string, results: readonly CellResult[], settings: object): void {
  const jsonPath = `${RESULTS}${name}.json`;
  const document = existsSync(jsonPath)
    ? (JSON.parse(readFileSync(jsonPath, 'utf8')) as { instructions?: InstructionsJson })
    : {};
  const date = new Date().toISOString();
  const same = (x: CellResult, y: CellResult) =>
    x.runtime === y.runtime && x.framework === y.framework && x.variant === y.variant;
  // Cells without `compiling` were measured before the compilers were set apart: their figure
  // holds a share of JIT compilation and is not comparable, so they go.
  const kept = (document.instructions?.results ?? []).filter(
    (old) => old.compiling !== undefined && !results.some((cell) => same(cell, old)),
  );
  const merged = [
    ...kept,
    ...results.map((cell) => ({
      ...cell,
      median: Math.round(median(cell.instructions)),
      date,
      settings,
    })),
  ].sort(
    (x, y) =>
      Number(x.runtime) - Number(y.runtime) ||
      x.framework.localeCompare(y.framework) ||
      order(x) - order(y),
  );
  document.instructions = {
    settings: { ...settings, machine: `${cpus()[0]?.model} × ${cpus().length}` },
    results: merged,
  };
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(jsonPath, `${JSON.stringify(document, null, 2)}\n`);
  const mdPath = `${RESULTS}${name}.md`;
  const section = `${SECTION_START}\n${markdown(merged, settings)}${SECTION_END}\n`;
  const old = existsSync(mdPath) ? readFileSync(mdPath, 'utf8') : '';
  const at = old.indexOf(SECTION_START);
  const until = old.indexOf(SECTION_END);
  const md =
    at >= 0 && until > at
      ? `${old.slice(0, at)}${section}${old.slice(until + SECTION_END.length + 1)}`
      : `${old}${old ? '\n' : ''}${section}`;
  writeFileSync(mdPath, md);
  console.log(`\n${markdown(merged, settings)}\nwrote ${jsonPath} and ${mdPath}`);
}

/**
 * `--merge a.json,b.json`: the cells of runs made separately (e.g. at the same time, with
 * different `--out`), repeats of one cell pooled, written to `--out` as if measured in one run.
 */
function mergedFrom(files: readonly string[]): CellResult[] {
  const cells: CellResult[] = [];
  for (const file of files) {
    const document = JSON.parse(readFileSync(file, 'utf8')) as { instructions?: InstructionsJson };
    for (const cell of document.instructions?.results ?? []) {
      if (cell.compiling === undefined) continue; // measured with the compilers in: see write()
      const same = cells.find(
        (c) =>
          c.runtime === cell.runtime &&
          c.framework === cell.framework &&
          c.variant === cell.variant,
      );
      if (same) {
        same.instructions.push(...cell.instructions);
        same.compiling.push(...cell.compiling);
      } else
        cells.push({
          runtime: cell.runtime,
          node: cell.node,
          framework: cell.framework,
          variant: cell.variant,
          instructions: [...cell.instructions],
          compiling: [...cell.compiling],
        });
    }
  }
  return cells;
}

const SECTION_START = '<!-- instructions per request (callgrind.ts) -->';
const SECTION_END = '<!-- end of instructions per request -->';

function order(cell: CellResult): number {
  return VARIANTS[cell.framework as keyof typeof VARIANTS].indexOf(cell.variant);
}

await main();
