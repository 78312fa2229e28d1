/**
 * What PassportRelayModule costs an inbound request: a bare Nest app against the same app with the
 * module, on Express and Fastify, measured side by side with autocannon in interleaved rounds.
 *
 *   npx tsx packages/nest/bench/inbound.bench.ts [durationSeconds=5] [rounds=5]
 *
 * 'noop middleware' is the same bare app with a Nest middleware that only calls next(), mounted
 * the same way: what any middleware costs (on Fastify, @fastify/middie), so the module's own cost
 * is its ratio over that one.
 *
 * Each app runs in its own child process (the load generator stays in this one); every request
 * carries one of 100 HS256 passports, so the module verifies (then serves from its cache) and runs
 * the request in the relay's context and a CLS context. The handler is the same in every app.
 *
 * It measures the built package (`pnpm --filter @passport-relay/nest build` first), as an app
 * would load it, and uses no decorator syntax, so it runs from any directory.
 */
import 'reflect-metadata';
import { type ChildProcess, fork } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Controller, type DynamicModule, Get, type MiddlewareConsumer } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { createTestRelay } from '@passport-relay/testing';
import autocannon from 'autocannon';
import type * as NestRelay from '../src/index.js';

type Platform = 'express' | 'fastify';
type Variant = 'bare' | 'noop middleware' | 'module' | 'module, cache off';

const PLATFORMS: readonly Platform[] = ['express', 'fastify'];
const VARIANTS: readonly Variant[] = ['bare', 'noop middleware', 'module', 'module, cache off'];
const PASSPORTS = 100;
const CONNECTIONS = 50;

export interface InboundBenchOptions {
  /** Seconds per measurement. @default 5 */
  readonly durationSeconds?: number;
  /** Interleaved rounds (each round measures every app once, in rotating order). @default 5 */
  readonly rounds?: number;
  /** @default ['express', 'fastify'] */
  readonly platforms?: readonly Platform[];
}

export interface Ratio {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export interface InboundBenchRow {
  readonly platform: Platform;
  readonly variant: Variant;
  /** Requests per second, per round. */
  readonly rps: readonly number[];
  /** This app's rps over the bare app's rps of the same round and platform. */
  readonly ratio: Ratio;
}

/** The package as built; the specifier is a variable so that type-checking needs no build. */
async function loadPackage(): Promise<typeof NestRelay> {
  const specifier = '@passport-relay/nest';
  return (await import(specifier)) as typeof NestRelay;
}

class HelloController {
  hello() {
    return { ok: true };
  }
}
Controller()(HelloController);
Get('hello')(
  HelloController.prototype,
  'hello',
  Object.getOwnPropertyDescriptor(HelloController.prototype, 'hello')!,
);

/** What any Nest middleware on every route costs, whatever it does (on Fastify: @fastify/middie). */
class NoopMiddleware {
  use(_request: unknown, _response: unknown, next: () => void): void {
    next();
  }
}

function noopMiddlewareModule(platform: Platform): DynamicModule {
  return {
    module: class NoopMiddlewareModule {
      configure(consumer: MiddlewareConsumer): void {
        consumer.apply(NoopMiddleware).forRoutes(platform === 'fastify' ? '{*path}' : '/');
      }
    },
  };
}

/** Child process: serve one app and report its port and the passports it accepts. */
async function serve(platform: Platform, variant: Variant): Promise<void> {
  const { relay } = createTestRelay({
    mode: 'HS256',
    ...(variant === 'module, cache off' ? { cache: false as const } : {}),
  });
  // The bare apps never load the package (nor nestjs-cls, whose import enables AsyncLocalStorage).
  const imports: DynamicModule[] = [];
  if (variant === 'noop middleware') {
    imports.push(noopMiddlewareModule(platform));
  } else if (variant !== 'bare') {
    imports.push((await loadPackage()).PassportRelayModule.forRoot({ relay }));
  }
  const benchModule: DynamicModule = {
    module: class BenchModule {},
    imports,
    controllers: [HelloController],
  };
  const app = await NestFactory.create(
    benchModule,
    platform === 'express' ? new ExpressAdapter() : new FastifyAdapter(),
    { logger: false },
  );
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const passports = Array.from({ length: PASSPORTS }, (_, index) =>
    relay.issue({ sub: `user-${index}`, tenant: 'bench' }),
  );
  process.send?.({ port, passports });
  process.on('disconnect', () => {
    void app.close().then(() => process.exit(0));
  });
}

interface Server {
  readonly platform: Platform;
  readonly variant: Variant;
  readonly child: ChildProcess;
  readonly url: string;
  readonly passports: readonly string[];
}

function start(platform: Platform, variant: Variant): Promise<Server> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', platform, variant], {
    execArgv: process.execArgv,
    stdio: 'inherit',
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${platform}/${variant} exited with ${code}`)));
    child.once('message', (message: { port: number; passports: string[] }) =>
      resolve({
        platform,
        variant,
        child,
        url: `http://127.0.0.1:${message.port}`,
        passports: message.passports,
      }),
    );
  });
}

async function measure(server: Server, durationSeconds: number): Promise<number> {
  const result = await autocannon({
    url: server.url,
    connections: CONNECTIONS,
    duration: durationSeconds,
    requests: server.passports.map((passport) => ({
      method: 'GET' as const,
      path: '/hello',
      headers: { passport },
    })),
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(
      `${server.platform}/${server.variant}: ${result.non2xx} non-2xx, ${result.errors} errors`,
    );
  }
  return result.requests.average;
}

function ratioOf(values: readonly number[]): Ratio {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

/**
 * Run the benchmark: every app of every platform once per round, in rotating order, after one
 * short warm-up each. Returns requests per second and the ratio to the bare app per round.
 *
 * @example
 * ```ts
 * const rows = await runInboundBench({ durationSeconds: 3, rounds: 5 });
 * ```
 */
export async function runInboundBench(
  options: InboundBenchOptions = {},
): Promise<InboundBenchRow[]> {
  const { durationSeconds = 5, rounds = 5, platforms = PLATFORMS } = options;
  const servers: Server[] = [];
  try {
    for (const platform of platforms) {
      for (const variant of VARIANTS) servers.push(await start(platform, variant));
    }
    for (const server of servers) await measure(server, 1);
    const rps = new Map<Server, number[]>(servers.map((server) => [server, []]));
    for (let round = 0; round < rounds; round++) {
      const order = servers.map((_, index) => servers[(index + round) % servers.length]!);
      for (const server of order) rps.get(server)!.push(await measure(server, durationSeconds));
    }
    return servers.map((server) => {
      const bare = servers.find((s) => s.platform === server.platform && s.variant === 'bare')!;
      const own = rps.get(server)!;
      const base = rps.get(bare)!;
      return {
        platform: server.platform,
        variant: server.variant,
        rps: own,
        ratio: ratioOf(own.map((value, round) => value / base[round]!)),
      };
    });
  } finally {
    for (const server of servers) server.child.disconnect();
  }
}

function print(rows: readonly InboundBenchRow[], durationSeconds: number, rounds: number): void {
  console.log(
    `\nNest inbound: ${rounds} interleaved rounds x ${durationSeconds}s, ${CONNECTIONS} connections, Node ${process.version}\n`,
  );
  console.log('platform | app               | req/s (median) | ratio to bare (min–max)');
  console.log('---------|-------------------|----------------|------------------------');
  for (const row of rows) {
    const median = ratioOf(row.rps).median;
    const { median: ratio, min, max } = row.ratio;
    console.log(
      `${row.platform.padEnd(8)} | ${row.variant.padEnd(17)} | ${Math.round(median).toString().padStart(14)} | ${ratio.toFixed(3)} (${min.toFixed(3)}–${max.toFixed(3)})`,
    );
  }
}

const [flag, ...rest] = process.argv.slice(2);
if (flag === '--serve') {
  await serve(rest[0] as Platform, rest[1] as Variant);
} else if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const durationSeconds = Number(flag ?? 5);
  const rounds = Number(rest[0] ?? 5);
  print(await runInboundBench({ durationSeconds, rounds }), durationSeconds, rounds);
}
