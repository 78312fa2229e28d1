/**
 * What passport-relay costs on top of OpenTelemetry, measured side by side in one run.
 *
 * A two-hop chain (autocannon → A → fetch → B) runs in a child process with the OpenTelemetry Node
 * SDK (http and undici instrumentations, W3C trace context and baggage propagators, spans batched to
 * an exporter that drops them). Two variants are switched in the same servers, round after round,
 * alternating which goes first:
 *
 * - `otel`: plain OTel propagation; the passport header is sent by the load generator but nothing
 *   reads or forwards it.
 * - `otel+passport-relay`: the same plus `PassportPropagator` (A and B verify the passport through
 *   OTel's extraction into the OTel context store) and passport-relay's global fetch hook (A sends
 *   the passport on to B).
 *
 * Run: `npx tsx packages/otel/bench/otel.bench.ts [--duration 5] [--rounds 5] [--connections 32]`
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { propagation, type TextMapPropagator } from '@opentelemetry/api';
import {
  CompositePropagator,
  ExportResultCode,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { createTestRelay } from '@passport-relay/testing';
import { installGlobalFetchPropagation } from '@passport-relay/undici';
import autocannon from 'autocannon';
import { otelContextStore, PassportPropagator } from '../src/index.js';

/** The two configurations compared. */
export type OtelBenchVariant = 'otel' | 'otel+passport-relay';

/** Options of {@link runOtelBench}. */
export interface OtelBenchOptions {
  /**
   * Seconds of load per variant per round.
   * @default 5
   */
  readonly durationSeconds?: number;
  /**
   * Measured rounds; each runs both variants, alternating which goes first.
   * @default 5
   */
  readonly rounds?: number;
  /**
   * Concurrent autocannon connections.
   * @default 32
   */
  readonly connections?: number;
}

/** One variant's throughput and latency in one round. */
export interface OtelBenchSample {
  readonly variant: OtelBenchVariant;
  readonly requestsPerSecond: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly errors: number;
}

/** The result of {@link runOtelBench}. */
export interface OtelBenchResult {
  readonly samples: readonly OtelBenchSample[];
  /** Per round: `otel+passport-relay` req/s divided by `otel` req/s. */
  readonly ratios: readonly number[];
  readonly ratio: { readonly median: number; readonly min: number; readonly max: number };
}

type ToChild = { readonly configure: OtelBenchVariant };
type FromChild =
  | { readonly ready: { readonly origin: string; readonly passport: string } }
  | { readonly configured: OtelBenchVariant };

const VARIANTS: readonly OtelBenchVariant[] = ['otel', 'otel+passport-relay'];

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function nextMessage(child: ChildProcess): Promise<FromChild> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) =>
      reject(new Error(`bench servers exited early (code ${code})`));
    child.once('exit', onExit);
    child.once('message', (message) => {
      child.off('exit', onExit);
      resolve(message as FromChild);
    });
  });
}

async function load(
  origin: string,
  passport: string,
  durationSeconds: number,
  connections: number,
): Promise<autocannon.Result> {
  return autocannon({
    url: `${origin}/`,
    connections,
    duration: durationSeconds,
    headers: { passport },
  });
}

/**
 * Run the two-hop chain with plain OTel propagation and with OTel + passport-relay, interleaved in
 * one run, and report the throughput ratio per round with its median, min and max.
 *
 * @example
 * ```ts
 * const { ratio } = await runOtelBench({ durationSeconds: 5, rounds: 5 });
 * console.log(ratio.median, ratio.min, ratio.max);
 * ```
 */
export async function runOtelBench(options: OtelBenchOptions = {}): Promise<OtelBenchResult> {
  const { durationSeconds = 5, rounds = 5, connections = 32 } = options;
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], { stdio: 'inherit' });
  try {
    const ready = await nextMessage(child);
    if (!('ready' in ready)) throw new Error('bench servers did not start');
    const { origin, passport } = ready.ready;
    const configure = async (variant: OtelBenchVariant) => {
      child.send({ configure: variant } satisfies ToChild);
      const reply = await nextMessage(child);
      if (!('configured' in reply) || reply.configured !== variant) {
        throw new Error(`bench servers did not switch to ${variant}`);
      }
    };
    // Warm-up: JIT, connection pools, verification cache. Not measured.
    for (const variant of VARIANTS) {
      await configure(variant);
      await load(origin, passport, durationSeconds, connections);
    }
    const samples: OtelBenchSample[] = [];
    const ratios: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
      const perVariant = new Map<OtelBenchVariant, number>();
      for (const variant of order) {
        await configure(variant);
        const result = await load(origin, passport, durationSeconds, connections);
        const sample: OtelBenchSample = {
          variant,
          requestsPerSecond: result.requests.average,
          latencyP50Ms: result.latency.p50,
          latencyP99Ms: result.latency.p99,
          errors: result.errors + result.non2xx,
        };
        samples.push(sample);
        perVariant.set(variant, sample.requestsPerSecond);
      }
      ratios.push(perVariant.get('otel+passport-relay')! / perVariant.get('otel')!);
    }
    return {
      samples,
      ratios,
      ratio: { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) },
    };
  } finally {
    child.kill();
    if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
  }
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    }),
  );
}

/** An exporter that drops spans, so the bench measures propagation rather than export. */
const dropSpans: SpanExporter = {
  export: (_spans, done) => done({ code: ExportResultCode.SUCCESS }),
  shutdown: () => Promise.resolve(),
};

/** The child process: two services, switched between the variants on request. */
async function serve(): Promise<void> {
  const { relay } = createTestRelay({ store: otelContextStore() });
  const plain: TextMapPropagator = new CompositePropagator({
    propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
  });
  const withPassport: TextMapPropagator = new CompositePropagator({
    propagators: [
      new W3CTraceContextPropagator(),
      new W3CBaggagePropagator(),
      new PassportPropagator({ relay }),
    ],
  });
  const sdk = new NodeSDK({
    serviceName: 'passport-relay-otel-bench',
    autoDetectResources: false,
    textMapPropagator: plain,
    spanProcessors: [new BatchSpanProcessor(dropSpans)],
    instrumentations: [new HttpInstrumentation(), new UndiciInstrumentation()],
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  const { createRequire } = await import('node:module');
  createRequire(import.meta.url)('node:http');

  const b = createServer((_req, res) => {
    const body = JSON.stringify({ ok: true, sub: relay.current()?.sub ?? null });
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  const originB = await listen(b);
  const a = createServer(async (_req, res) => {
    try {
      const response = await fetch(`${originB}/`);
      const body = await response.text();
      res.writeHead(response.status, { 'content-type': 'application/json' }).end(body);
    } catch {
      res.writeHead(502).end();
    }
  });
  const originA = await listen(a);

  let uninstall: (() => void) | undefined;
  process.on('message', (message: ToChild) => {
    uninstall?.();
    uninstall = undefined;
    propagation.disable();
    if (message.configure === 'otel+passport-relay') {
      propagation.setGlobalPropagator(withPassport);
      uninstall = installGlobalFetchPropagation(relay);
    } else {
      propagation.setGlobalPropagator(plain);
    }
    process.send?.({ configured: message.configure } satisfies FromChild);
  });
  process.on('SIGTERM', () => process.exit(0));
  process.send?.({
    ready: { origin: originA, passport: relay.issue({ sub: 'user-1', tenant: 't1' }) },
  } satisfies FromChild);
}

function printResult(result: OtelBenchResult, options: Required<OtelBenchOptions>): void {
  const rows = result.samples.map((s) => ({
    variant: s.variant,
    'req/s': Math.round(s.requestsPerSecond),
    'p50 ms': s.latencyP50Ms,
    'p99 ms': s.latencyP99Ms,
    errors: s.errors,
  }));
  console.table(rows);
  const mean = (variant: OtelBenchVariant) => {
    const values = result.samples.filter((s) => s.variant === variant);
    return Math.round(values.reduce((sum, s) => sum + s.requestsPerSecond, 0) / values.length);
  };
  const { median: m, min, max } = result.ratio;
  console.log(
    `two-hop chain, ${options.rounds} rounds × ${options.durationSeconds}s, ${options.connections} connections, Node ${process.version}`,
  );
  console.log(`otel:                 ${mean('otel')} req/s (mean)`);
  console.log(`otel+passport-relay:  ${mean('otel+passport-relay')} req/s (mean)`);
  console.log(
    `ratio (otel+passport-relay / otel): median ${m.toFixed(3)}, min ${min.toFixed(3)}, max ${max.toFixed(3)}`,
  );
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;

if (invokedDirectly) {
  const { values } = parseArgs({
    options: {
      serve: { type: 'boolean', default: false },
      duration: { type: 'string', default: '5' },
      rounds: { type: 'string', default: '5' },
      connections: { type: 'string', default: '32' },
    },
  });
  if (values.serve) {
    await serve();
  } else {
    const options = {
      durationSeconds: Number(values.duration),
      rounds: Number(values.rounds),
      connections: Number(values.connections),
    };
    printResult(await runOtelBench(options), options);
  }
}
