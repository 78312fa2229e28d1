/**
 * The one load harness every benchmark here shares: start servers in child processes (pinned to a
 * core with `taskset` where available), drive them with autocannon in interleaved rounds, and turn
 * requests per second into ratios paired round by round.
 *
 * Nothing here knows about passport-relay: servers are described by a {@link ServerSpec} that
 * `server.ts` turns into an app.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { arch, cpus, loadavg, platform } from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { buildSync } from 'esbuild';

/** Frameworks a bench server can run. `http` is bare `node:http`; `nest` is Nest on Express. */
export type Framework = 'express' | 'fastify' | 'http' | 'nest';

/**
 * What one bench server does. `role: 'a'` calls `downstream` with global fetch for every request
 * and answers with what it got back; `role: 'b'` answers with the passport it saw; `role: 'single'`
 * answers `{ ok }` (inbound cost only).
 */
export interface ServerSpec {
  readonly framework: Framework;
  readonly variant: string;
  readonly role: 'a' | 'b' | 'single';
  /** Origin of B, for `role: 'a'`. */
  readonly downstream?: string;
  /** HS256 secret (hex) shared by the parent (which issues) and every server (which verify). */
  readonly secret: string;
}

/** A running bench server. */
export interface RunningServer {
  readonly spec: ServerSpec;
  readonly origin: string;
  readonly child: ChildProcess;
  /** Ask the server to exit (it closes and exits 0, writing a CPU profile if one was asked for). */
  stop(): Promise<void>;
}

/** Options of {@link startServer}. */
export interface StartOptions {
  /** Core to pin the process to with `taskset -c`; ignored when taskset is missing. */
  readonly cpu?: number;
  /** Extra Node flags, e.g. `--cpu-prof`. */
  readonly nodeFlags?: readonly string[];
  /** The Node binary to run the server with; this process's own by default. */
  readonly execPath?: string;
  /** A command that runs Node, put before it (after taskset), e.g. `['valgrind', '--tool=callgrind']`. */
  readonly wrapper?: readonly string[];
}

const SERVER_SOURCE = fileURLToPath(new URL('./server.ts', import.meta.url));
const SERVER_ENTRY = fileURLToPath(new URL('./.build/server.mjs', import.meta.url));

let serverBuilt = false;

/**
 * Compile server.ts (with passports.ts and variants.ts; packages stay imports) to plain JavaScript
 * once per parent process. The servers run that file with no loader: under tsx, every request of
 * A went through tsx's module hooks (7-14k instructions per request under callgrind, differently
 * per variant), which is neither what production runs nor the same for every variant.
 */
function serverEntry(): string {
  if (!serverBuilt) {
    buildSync({
      entryPoints: [SERVER_SOURCE],
      outfile: SERVER_ENTRY,
      bundle: true,
      packages: 'external',
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'warning',
    });
    serverBuilt = true;
  }
  return SERVER_ENTRY;
}

let tasksetPath: string | null | undefined;

/** The path of `taskset` (`command -v taskset`), or `null` when it is not installed. */
export function taskset(): string | null {
  if (tasksetPath === undefined) {
    try {
      tasksetPath =
        execFileSync('sh', ['-c', 'command -v taskset'], { encoding: 'utf8' }).trim() || null;
    } catch {
      tasksetPath = null;
    }
  }
  return tasksetPath;
}

/**
 * Pin this process (the load generator), all its threads, to `cpu` with `taskset -a -p -c`.
 * Unpinned, the scheduler puts autocannon next to A in some measurements and next to B in others,
 * and throughput jumps between two levels from one measurement to the next. Returns whether it
 * pinned.
 */
export function pinLoadGenerator(cpu: number): boolean {
  const path = taskset();
  if (path === null) return false;
  execFileSync(path, ['-a', '-p', '-c', String(cpu), String(process.pid)], { stdio: 'ignore' });
  return true;
}

/** The cores: A (and single servers) on 0, B and the load generator on 1. */
export const CORES = { a: 0, b: 1, loadGenerator: 1 } as const;

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill();
});

/**
 * Start one bench server in its own Node process (pinned to `options.cpu` when taskset exists)
 * and resolve once it listens on loopback.
 */
export function startServer(spec: ServerSpec, options: StartOptions = {}): Promise<RunningServer> {
  const node = [
    ...(options.wrapper ?? []),
    options.execPath ?? process.execPath,
    ...(options.nodeFlags ?? []),
    serverEntry(),
    JSON.stringify(spec),
  ];
  const pin = options.cpu !== undefined ? taskset() : null;
  const [command, ...args] = pin === null ? node : [pin, '-c', String(options.cpu), ...node];
  const child = spawn(command!, args, {
    cwd: fileURLToPath(new URL('.', import.meta.url)),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => children.delete(child));
  const name = `${spec.framework}/${spec.variant}/${spec.role}`;
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`${name} exited with ${code}`));
    child.once('error', reject);
    child.once('exit', onExit);
    child.once('message', (message: { port: number }) => {
      child.off('exit', onExit);
      resolve({
        spec,
        origin: `http://127.0.0.1:${message.port}`,
        child,
        stop: async () => {
          if (child.connected) child.disconnect();
          await exited;
        },
      });
    });
  });
}

/** What server.ts answers to `alloc stop` (see its `allocationWindow`). */
export interface AllocationWindow {
  readonly allocated: number;
  readonly allocatedNewSpace: number;
  readonly retained: number;
  /** GCs since `alloc start`. */
  readonly gcs: number;
}

/**
 * Ask A over IPC to open (`alloc start`: full GC, GC profiler on), move the start of (`alloc mark`)
 * or close (`alloc stop`) its allocation window; resolves with A's answer.
 */
export function allocationWindow(
  server: RunningServer,
  message: 'alloc start' | 'alloc mark' | 'alloc stop',
): Promise<AllocationWindow> {
  return new Promise((resolve) => {
    const onMessage = (answer: unknown) => {
      if (typeof answer !== 'object' || answer === null || !('alloc' in answer)) return;
      server.child.off('message', onMessage);
      resolve((answer as { alloc: AllocationWindow }).alloc);
    };
    server.child.on('message', onMessage);
    server.child.send(message);
  });
}

/** Options of {@link load}. */
export interface LoadOptions {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly seconds: number;
  readonly connections: number;
}

/** Requests per second one autocannon run achieved; throws on any error or non-2xx answer. */
export async function load(options: LoadOptions): Promise<number> {
  const result = await autocannon({
    url: options.url,
    headers: { ...options.headers },
    connections: options.connections,
    duration: options.seconds,
  });
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(
      `${options.url}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
    );
  }
  return result.requests.total / result.duration;
}

/** One thing measured: a URL and the headers the load generator sends it. */
export interface Cell {
  readonly id: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Cells measured together: rotated within each round, so their ratios pair up round by round. */
export interface Group {
  readonly name: string;
  readonly cells: readonly Cell[];
}

/** Options of {@link interleave}. */
export interface InterleaveOptions {
  readonly rounds: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly connections: number;
  /** Called after each measurement, for progress output. */
  readonly onSample?: (group: string, cell: string, round: number, rps: number) => void;
}

/** Options of the chain and inbound runners: interleaving, plus the HS256 secret of the run. */
export interface BenchOptions extends InterleaveOptions {
  readonly secret: string;
}

/** Requests per second per group, per cell, one value per round. */
export type Samples = Record<string, Record<string, number[]>>;

/**
 * Warm every cell up (see {@link warmUp}), then run `rounds` rounds. In round `r` the groups, and the cells within each
 * group, start at offset `r` (rotating order), so no cell always runs first or last, and each
 * group's rounds are spread over the whole run.
 */
export async function interleave(
  groups: readonly Group[],
  options: InterleaveOptions,
): Promise<Samples> {
  const { rounds, seconds, warmupSeconds, connections, onSample } = options;
  const samples: Samples = {};
  for (const group of groups) {
    samples[group.name] = Object.fromEntries(group.cells.map((cell) => [cell.id, []]));
    for (const cell of group.cells) await warmUp(cell, warmupSeconds, connections);
  }
  for (let round = 0; round < rounds; round++) {
    for (const group of rotate(groups, round)) {
      for (const cell of rotate(group.cells, round)) {
        const rps = await load({ ...cell, seconds, connections });
        samples[group.name]![cell.id]!.push(rps);
        onSample?.(group.name, cell.id, round, rps);
      }
    }
  }
  return samples;
}

/**
 * Load `cell` in slices of up to 1 s for at least `seconds`, then until a slice is no more than 5%
 * faster than the one before (at most 6 more slices): a fresh server climbs from a third of its
 * throughput to all of it over several seconds while V8 optimises its hot paths.
 */
async function warmUp(cell: Cell, seconds: number, connections: number): Promise<void> {
  if (seconds <= 0) return;
  const slice = Math.min(1, seconds);
  let elapsed = 0;
  let previous = 0;
  for (let extra = 0; extra <= 6; ) {
    const rps = await load({ ...cell, seconds: slice, connections });
    elapsed += slice;
    if (elapsed >= seconds) {
      if (previous > 0 && rps <= previous * 1.05) return;
      extra++;
    }
    previous = rps;
  }
}

function rotate<T>(items: readonly T[], by: number): T[] {
  return items.map((_, index) => items[(index + by) % items.length]!);
}

/** A median with the range it came from. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

/** `a / b` per round (both measured in the same round), as median and range. */
export function pairedRatio(a: readonly number[], b: readonly number[]): Spread {
  return spread(a.map((value, round) => value / b[round]!));
}

/** The machine the numbers were measured on. */
export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly node: string;
  readonly platform: string;
  readonly date: string;
  readonly taskset: boolean;
  readonly loadAverageAtStart: readonly number[];
}

export function machineInfo(): MachineInfo {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    node: process.version,
    platform: `${platform()}/${arch()}`,
    date: new Date().toISOString(),
    taskset: taskset() !== null,
    loadAverageAtStart: loadavg().map((value) => Math.round(value * 100) / 100),
  };
}

/** Whether a workspace package is built (its ESM entry exists). */
export function isBuilt(packageDir: string): boolean {
  return existsSync(new URL(`../packages/${packageDir}/dist/index.js`, import.meta.url));
}

/** `1.234 (1.200–1.250)` */
export function formatSpread(value: Spread, digits = 3): string {
  return `${value.median.toFixed(digits)} (${value.min.toFixed(digits)}–${value.max.toFixed(digits)})`;
}

/** `12,345 (12,000–12,500)` */
export function formatRps(value: Spread): string {
  const format = (n: number) => Math.round(n).toLocaleString('en-US');
  return `${format(value.median)} (${format(value.min)}–${format(value.max)})`;
}

/** One keep-alive connection, one request at a time: the same work for A whatever the load. */
export function client() {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const get = (url: string, headers: Record<string, string>) =>
    new Promise<string>((resolve, reject) => {
      const req = httpRequest(url, { agent, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(body)
            : reject(new Error(`${url} answered ${res.statusCode}: ${body}`)),
        );
      });
      req.on('error', reject);
      req.end();
    });
  return { get, close: () => agent.destroy() };
}
