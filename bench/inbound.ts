/**
 * What each inbound adapter costs on its own, and what passport-relay adds on top of OpenTelemetry
 * (issue #5), each as a ratio measured side by side in one run:
 *
 * - express, fastify, nest (Nest on Express; only when packages/nest is built): one server, the
 *   bare framework against the same app with the adapter (HS256 signed passports, cached
 *   verification). The server is pinned to core 0.
 * - otel: the two-hop chain on bare `node:http` with the OpenTelemetry SDK (http and undici
 *   instrumentations, W3C trace context and baggage): `otel` carries the passport in W3C baggage,
 *   `otelRelay` carries it with passport-relay (`otelContextStore`, `PassportPropagator`, the
 *   global fetch hook). B must echo the right passport in both before anything is timed.
 */
import {
  type Chain,
  checkChain,
  type FrameworkResult,
  mapLimit,
  startChain,
  summarise,
} from './chain.ts';
import {
  type BenchOptions,
  type Cell,
  CORES,
  type Group,
  interleave,
  isBuilt,
  pairedRatio,
  type RunningServer,
  type Spread,
  startServer,
} from './harness.ts';
import { issuer } from './passports.ts';
import { request } from './variants.ts';

/** One comparison: requests/s of both sides and their ratio. */
export interface InboundResult {
  readonly rps: FrameworkResult['rps'];
  /** `adapter_vs_bare` (adapters) or `otelRelay_vs_otel` (OTel). */
  readonly ratios: Record<string, Spread>;
}

const ADAPTERS = ['express', 'fastify', 'nest'] as const;

/** The adapters compared: nest only when its package is built. */
export function adapters(): (typeof ADAPTERS)[number][] {
  return ADAPTERS.filter((name) => name !== 'nest' || isBuilt('nest'));
}

/** Start every server, check the OTel chains, then measure all groups interleaved. */
export async function runInboundBench(
  options: BenchOptions,
): Promise<Record<string, InboundResult>> {
  const passports = issuer(options.secret);
  const token = passports.signed('bench-user');
  const singles: RunningServer[] = [];
  const chains: Chain[] = [];
  try {
    const started = Date.now();
    const names = adapters();
    await mapLimit(
      names.flatMap((framework) =>
        (['bare', 'adapter'] as const).map((variant) => ({ framework, variant })),
      ),
      3,
      async (spec) => {
        singles.push(
          await startServer({ ...spec, role: 'single', secret: options.secret }, { cpu: CORES.a }),
        );
      },
    );
    await mapLimit(['otel', 'otelRelay'] as const, 2, async (variant) => {
      chains.push(await startChain('http', variant, options.secret));
    });
    for (const chain of chains) await checkChain(chain, passports);
    for (const server of singles) {
      const response = await fetch(`${server.origin}/`, { headers: { passport: token } });
      const body = (await response.json()) as { ok: boolean };
      // ok: the passport reached the handler (through the adapter's context for `adapter`).
      if (!response.ok || body.ok !== true) {
        throw new Error(
          `${server.spec.framework}/${server.spec.variant} answered ${response.status}`,
        );
      }
    }
    console.error(
      `  ${singles.length + chains.length * 2} servers started and checked (${Date.now() - started} ms)`,
    );
    const groups: Group[] = names.map((framework) => ({
      name: framework,
      cells: (['bare', 'adapter'] as const).map((variant): Cell => {
        const server = singles.find(
          (s) => s.spec.framework === framework && s.spec.variant === variant,
        )!;
        return { id: variant, url: `${server.origin}/`, headers: { passport: token } };
      }),
    }));
    groups.push({
      name: 'otel',
      cells: chains.map((chain) => ({
        id: chain.variant,
        url: `${chain.a.origin}/`,
        headers: request(chain.variant, passports, 'bench-user').headers,
      })),
    });
    const samples = await interleave(groups, options);
    const results: Record<string, InboundResult> = {};
    for (const framework of names) {
      const { bare, adapter } = samples[framework]!;
      results[framework] = {
        rps: summarise(samples[framework]!),
        ratios: { adapter_vs_bare: pairedRatio(adapter!, bare!) },
      };
    }
    const { otel, otelRelay } = samples.otel!;
    results.otel = {
      rps: summarise(samples.otel!),
      ratios: { otelRelay_vs_otel: pairedRatio(otelRelay!, otel!) },
    };
    return results;
  } finally {
    await Promise.all([
      ...singles.map((server) => server.stop()),
      ...chains.flatMap((chain) => [chain.a.stop(), chain.b.stop()]),
    ]);
  }
}
