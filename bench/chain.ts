/**
 * The chain benchmark: load generator → A → B on loopback, A calling B with global fetch, for
 * Express and Fastify, in every propagation variant. A and B run in their own processes, pinned to
 * cores 0 and 1 where taskset exists; the load generator (autocannon) runs in this process.
 *
 * Before anything is timed, every chain is asked for two different passports and B must echo the
 * one A received (and nothing for `none`).
 */
import {
  type BenchOptions,
  type Cell,
  CORES,
  type Framework,
  type Group,
  interleave,
  pairedRatio,
  type RunningServer,
  type Samples,
  type Spread,
  spread,
  startServer,
} from './harness.ts';
import { type Issuer, issuer } from './passports.ts';
import { request, type Variant } from './variants.ts';

export const CHAIN_FRAMEWORKS = ['express', 'fastify'] as const satisfies readonly Framework[];

export const CHAIN_VARIANTS = [
  'none',
  'handWritten',
  'alsFloor',
  'relayPlain',
  'relaySignedCached',
  'relaySignedUncached',
  'otel',
] as const satisfies readonly Variant[];

export type ChainVariant = (typeof CHAIN_VARIANTS)[number];

const RELAY_VARIANTS = ['relayPlain', 'relaySignedCached', 'relaySignedUncached'] as const;

/** A started two-hop chain. */
export interface Chain {
  readonly framework: Framework;
  readonly variant: Variant;
  readonly a: RunningServer;
  readonly b: RunningServer;
}

/** Start B (core 1), then A (core 0) calling it. */
export async function startChain(
  framework: Framework,
  variant: Variant,
  secret: string,
): Promise<Chain> {
  const b = await startServer({ framework, variant, role: 'b', secret }, { cpu: CORES.b });
  const a = await startServer(
    { framework, variant, role: 'a', secret, downstream: b.origin },
    { cpu: CORES.a },
  );
  return { framework, variant, a, b };
}

/** Throw unless B echoes, for two different passports, exactly what the variant must deliver. */
export async function checkChain(chain: Chain, passports: Issuer): Promise<void> {
  for (const sub of ['check-ada', 'check-grace']) {
    const { headers, expected } = request(chain.variant, passports, sub);
    const response = await fetch(`${chain.a.origin}/`, { headers });
    const text = await response.text();
    let echoed: unknown;
    try {
      echoed = (JSON.parse(text) as { passport: unknown }).passport;
    } catch {
      echoed = text;
    }
    if (!response.ok || echoed !== expected) {
      throw new Error(
        `${chain.framework}/${chain.variant}: B received ${JSON.stringify(echoed)} (status ${response.status}), expected ${JSON.stringify(expected)}`,
      );
    }
  }
}

/** Run `fn` over `items` with at most `limit` at once (process start-up is CPU-bound). */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Requests/s per variant and the ratios of one framework. */
export interface FrameworkResult {
  /** Requests per second: median and range over rounds, and every round's value. */
  readonly rps: Record<string, Spread & { readonly rounds: readonly number[] }>;
  /** `x_vs_y`: x's requests/s over y's in the same round; median and range over rounds. */
  readonly ratios: Record<string, Spread>;
}

/** The ratios the chain reports for one framework. */
export function chainRatios(rounds: Record<string, number[]>): Record<string, Spread> {
  const ratios: Record<string, Spread> = {};
  const add = (x: string, y: string) => {
    if (rounds[x] && rounds[y]) ratios[`${x}_vs_${y}`] = pairedRatio(rounds[x], rounds[y]);
  };
  for (const variant of RELAY_VARIANTS) add(variant, 'alsFloor');
  for (const variant of RELAY_VARIANTS) add(variant, 'otel');
  for (const variant of CHAIN_VARIANTS) if (variant !== 'none') add(variant, 'none');
  for (const variant of ['alsFloor', ...RELAY_VARIANTS, 'otel']) add(variant, 'handWritten');
  return ratios;
}

export function summarise(samples: Samples[string]): FrameworkResult['rps'] {
  return Object.fromEntries(
    Object.entries(samples).map(([variant, rounds]) => [variant, { ...spread(rounds), rounds }]),
  );
}

/** Start every chain, check each delivers the right passport, then measure them interleaved. */
export async function runChainBench(
  options: BenchOptions,
): Promise<Record<string, FrameworkResult>> {
  const passports = issuer(options.secret);
  const specs = CHAIN_FRAMEWORKS.flatMap((framework) =>
    CHAIN_VARIANTS.map((variant) => ({ framework, variant })),
  );
  const chains: Chain[] = [];
  try {
    const started = Date.now();
    await mapLimit(specs, 3, async ({ framework, variant }) => {
      chains.push(await startChain(framework, variant, options.secret));
    });
    for (const chain of chains) await checkChain(chain, passports);
    console.error(
      `  ${chains.length * 2} servers started, every B received A's passport (${Date.now() - started} ms)`,
    );
    const groups: Group[] = CHAIN_FRAMEWORKS.map((framework) => ({
      name: framework,
      cells: CHAIN_VARIANTS.map((variant): Cell => {
        const chain = chains.find((c) => c.framework === framework && c.variant === variant)!;
        return {
          id: variant,
          url: `${chain.a.origin}/`,
          headers: request(variant, passports, 'bench-user').headers,
        };
      }),
    }));
    const samples = await interleave(groups, options);
    return Object.fromEntries(
      CHAIN_FRAMEWORKS.map((framework) => [
        framework,
        { rps: summarise(samples[framework]!), ratios: chainRatios(samples[framework]!) },
      ]),
    );
  } finally {
    await Promise.all(chains.flatMap((chain) => [chain.a.stop(), chain.b.stop()]));
  }
}
