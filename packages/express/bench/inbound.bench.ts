/**
 * What the Express middleware costs per request: requests/s of a bare app against the same app
 * with `passportRelay()` (HS256 signed passports, cached verification), in interleaved rounds
 * under the same load, for Express 5 and Express 4.
 *
 *   npx tsx packages/express/bench/inbound.bench.ts [durationSeconds] [rounds]
 *
 * The apps run in a child process, so the load generator (autocannon) and the servers do not
 * share an event loop.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import autocannon from 'autocannon';

/** Options of {@link runInboundBench}. */
export interface InboundBenchOptions {
  /** @default 3 */
  readonly durationSeconds?: number;
  /** @default 3 */
  readonly rounds?: number;
  /** @default 32 */
  readonly connections?: number;
}

/** The figures for one framework. Ratios are relay/bare per round; 1 means no cost. */
export interface InboundBenchResult {
  readonly name: string;
  /** Requests/s of the bare app, one per round. */
  readonly bare: readonly number[];
  /** Requests/s of the app with the middleware, one per round. */
  readonly relay: readonly number[];
  readonly ratios: readonly number[];
  readonly ratio: { readonly median: number; readonly min: number; readonly max: number };
}

interface Targets {
  readonly token: string;
  readonly apps: readonly {
    readonly name: string;
    readonly bare: number;
    readonly relay: number;
  }[];
}

const SERVE_FLAG = '--serve-inbound-bench';

async function serveApps(): Promise<void> {
  const { createServer } = await import('node:http');
  const { default: express5 } = await import('express');
  const { default: express4 } = await import('express4');
  const { createTestRelay } = await import('@passport-relay/testing');
  const { passportRelay } = await import('../src/index.js');
  const { relay } = createTestRelay({ mode: 'HS256' });

  async function listen(app: ReturnType<typeof express5>): Promise<number> {
    const server = createServer(app);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return (server.address() as AddressInfo).port;
  }
  const apps = [];
  for (const [name, express] of [
    ['express 5', express5],
    ['express 4', express4 as unknown as typeof express5],
  ] as const) {
    const bare = express();
    bare.get('/orders', (_req, res) => {
      res.json({ ok: true });
    });
    const withRelay = express();
    withRelay.use(passportRelay(relay));
    withRelay.get('/orders', (_req, res) => {
      res.json({ ok: relay.current() !== undefined });
    });
    apps.push({ name, bare: await listen(bare), relay: await listen(withRelay) });
  }
  const targets: Targets = { token: relay.issue({ sub: 'bench-user', tenant: 'bench' }), apps };
  process.send?.(targets);
  process.on('disconnect', () => process.exit(0));
}

async function requestsPerSecond(
  port: number,
  token: string,
  seconds: number,
  connections: number,
) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/orders`,
    headers: { passport: token },
    connections,
    duration: seconds,
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`bench target answered ${result.non2xx} non-2xx and ${result.errors} errors`);
  }
  return result.requests.average;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Start the bare and the relay apps in a child process and drive them with autocannon in
 * interleaved rounds (the order alternates each round). Returns requests/s and relay/bare ratios.
 *
 * @example
 * ```ts
 * const [express5, express4] = await runInboundBench({ durationSeconds: 3, rounds: 3 });
 * console.log(express5.ratio.median);
 * ```
 */
export async function runInboundBench(
  options: InboundBenchOptions = {},
): Promise<InboundBenchResult[]> {
  const { durationSeconds = 3, rounds = 3, connections = 32 } = options;
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [SERVE_FLAG], {
    execArgv: ['--import', tsx],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const [targets] = (await once(child, 'message')) as [Targets];
    const results: InboundBenchResult[] = [];
    for (const app of targets.apps) {
      // Warm both apps up (JIT, verification cache) before measuring.
      await requestsPerSecond(app.bare, targets.token, 1, connections);
      await requestsPerSecond(app.relay, targets.token, 1, connections);
      const bare: number[] = [];
      const relay: number[] = [];
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 === 0 ? (['bare', 'relay'] as const) : (['relay', 'bare'] as const);
        for (const which of order) {
          const rps = await requestsPerSecond(
            app[which],
            targets.token,
            durationSeconds,
            connections,
          );
          (which === 'bare' ? bare : relay).push(rps);
        }
      }
      const ratios = relay.map((value, round) => value / bare[round]!);
      results.push({
        name: app.name,
        bare,
        relay,
        ratios,
        ratio: { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) },
      });
    }
    return results;
  } finally {
    child.disconnect();
    if (child.exitCode === null) await once(child, 'exit');
  }
}

/** One line per framework: requests/s and the relay/bare ratio with its min–max. */
export function formatInboundBench(results: readonly InboundBenchResult[]): string {
  const format = (value: number) => Math.round(value).toLocaleString('en-US');
  return results
    .map(
      ({ name, bare, relay, ratio }) =>
        `${name.padEnd(10)} bare ${format(median(bare)).padStart(7)} req/s   with passportRelay ${format(median(relay)).padStart(7)} req/s   relay/bare ${ratio.median.toFixed(3)} (${ratio.min.toFixed(3)}–${ratio.max.toFixed(3)})`,
    )
    .join('\n');
}

const invokedDirectly =
  process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (process.argv.includes(SERVE_FLAG)) {
  await serveApps();
} else if (invokedDirectly) {
  const [duration, rounds] = process.argv.slice(2).map(Number);
  const results = await runInboundBench({
    ...(duration ? { durationSeconds: duration } : {}),
    ...(rounds ? { rounds } : {}),
  });
  console.log(formatInboundBench(results));
}
