/**
 * `pnpm bench`: the microbenchmarks, the two-hop chain benchmark (Express and Fastify, every
 * propagation variant) and the inbound adapter / OpenTelemetry comparisons, measured side by side
 * in one run. Writes results/latest.json and results/latest.md and prints the tables.
 *
 *   pnpm bench                              full run (about 6-8 minutes on 2 cores, with the build)
 *   pnpm bench --quick                      smoke run (about 2 minutes), written to results/quick.*
 *   pnpm bench --rounds 7 --duration 4      more rounds, longer measurements
 *   pnpm --filter ./bench run bench --only chain   just one part (micro, chain, inbound), to results/partial.*
 *
 * A missed goal is reported (✗), never an exit code: the numbers are for reading, not for gating.
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { CHAIN_FRAMEWORKS, CHAIN_VARIANTS, type FrameworkResult, runChainBench } from './chain.ts';
import { cliArgs } from './cli-args.ts';
import {
  CORES,
  formatRps,
  formatSpread,
  machineInfo,
  pairedRatio,
  pinLoadGenerator,
  type Spread,
  taskset,
} from './harness.ts';
import { type InboundResult, runInboundBench } from './inbound.ts';
import { type MicroFigures, microTable, runMicroBench } from './micro.ts';
import { newSecret } from './passports.ts';

const { values } = parseArgs({
  args: cliArgs(),
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    only: { type: 'string' },
  },
});

const quick = values.quick === true;
const settings = {
  rounds: Number(values.rounds ?? (quick ? 2 : 5)),
  seconds: Number(values.duration ?? (quick ? 1 : 2)),
  warmupSeconds: Number(values.warmup ?? (quick ? 0.5 : 2)),
  connections: Number(values.connections ?? 32),
};
for (const [name, value] of Object.entries(settings)) {
  if (!Number.isFinite(value) || value < 0 || (name !== 'warmupSeconds' && value === 0)) {
    throw new Error(`--${name}: expected a positive number, got ${value}`);
  }
}
const parts = new Set((values.only ?? 'micro,chain,inbound').split(',').map((p) => p.trim()));
const everything = ['micro', 'chain', 'inbound'].every((part) => parts.has(part));
const output = quick ? 'quick' : everything ? 'latest' : 'partial';

/** A goal of the chain benchmark, checked per framework. */
interface Goal {
  readonly ratio: string;
  readonly target: number;
  /** `>=` the target, or strictly faster (`>`). */
  readonly strictly?: boolean;
  readonly label: string;
}

const GOALS: readonly Goal[] = [
  { ratio: 'relayPlain_vs_alsFloor', target: 0.98, label: 'plain ≥ 0.98 × ALS floor' },
  { ratio: 'relayPlain_vs_otel', target: 1, strictly: true, label: 'plain faster than OTel' },
  { ratio: 'relaySignedCached_vs_alsFloor', target: 0.97, label: 'signed cached ≥ 0.97 × floor' },
  {
    ratio: 'relaySignedUncached_vs_alsFloor',
    target: 0.95,
    label: 'signed uncached (HS256) ≥ 0.95 × floor',
  },
];

interface GoalResult {
  readonly framework: string;
  readonly goal: string;
  readonly ratio: string;
  readonly target: number;
  readonly measured: Spread;
  readonly met: boolean;
}

function checkGoals(chain: Record<string, FrameworkResult>): GoalResult[] {
  return Object.entries(chain).flatMap(([framework, result]) =>
    GOALS.flatMap((goal) => {
      const measured = result.ratios[goal.ratio];
      if (!measured) return [];
      const met = goal.strictly ? measured.median > goal.target : measured.median >= goal.target;
      return [
        { framework, goal: goal.label, ratio: goal.ratio, target: goal.target, measured, met },
      ];
    }),
  );
}

function chainTable(framework: string, result: FrameworkResult): string {
  const rounds = (variant: string) => result.rps[variant]?.rounds ?? [];
  const versus = (variant: string, base: string) =>
    variant === base ? '1' : formatSpread(pairedRatio(rounds(variant), rounds(base)));
  const rows = CHAIN_VARIANTS.map(
    (variant) =>
      `| ${framework} | ${variant} | ${formatRps(result.rps[variant]!)} | ${versus(variant, 'none')} | ${versus(variant, 'handWritten')} | ${versus(variant, 'alsFloor')} | ${versus(variant, 'otel')} |`,
  );
  return rows.join('\n');
}

function inboundTable(inbound: Record<string, InboundResult>): string {
  const rows = Object.entries(inbound).map(([name, result]) => {
    const [base, other] = name === 'otel' ? ['otel', 'otelRelay'] : ['bare', 'adapter'];
    const [ratioName, ratio] = Object.entries(result.ratios)[0]!;
    const label = name === 'otel' ? 'OTel SDK chain (node:http): baggage vs passport-relay' : name;
    return `| ${label} | ${formatRps(result.rps[base!]!)} | ${formatRps(result.rps[other!]!)} | \`${ratioName}\` ${formatSpread(ratio)} |`;
  });
  return [
    '| server | without (req/s) | with passport-relay (req/s) | ratio, median (min–max) |',
    '|---|---:|---:|---|',
    ...rows,
  ].join('\n');
}

const started = Date.now();
const machine = machineInfo();
const secret = newSecret();
const onSample = (group: string, cell: string, round: number, rps: number) =>
  console.error(
    `  ${group.padEnd(8)} round ${round + 1}/${settings.rounds}  ${cell.padEnd(20)} ${Math.round(rps).toLocaleString('en-US').padStart(7)} req/s`,
  );

console.error(
  `${machine.cpu} (${machine.cores} cores), Node ${machine.node}, load average ${machine.loadAverageAtStart.join(' ')}` +
    `\n${settings.rounds} rounds × ${settings.seconds}s, warm-up ${settings.warmupSeconds}s, ${settings.connections} connections, ` +
    (taskset()
      ? 'A on core 0; B and the load generator on core 1 (taskset)'
      : 'taskset not found: nothing is pinned'),
);

const phases: Record<string, number> = {};
async function phase<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const start = Date.now();
  try {
    return await fn();
  } finally {
    phases[name] = Math.round((Date.now() - start) / 1000);
    console.error(`  ${name}: ${phases[name]}s`);
  }
}

let micro: MicroFigures | undefined;
if (parts.has('micro')) {
  console.error('\nmicrobenchmarks (mitata)...');
  micro = await phase('micro', runMicroBench);
}
// After the microbenchmarks, which want a core of their own: from here on A has core 0 to itself.
const pinned =
  (parts.has('chain') || parts.has('inbound')) && pinLoadGenerator(CORES.loadGenerator);
let chain: Record<string, FrameworkResult> | undefined;
if (parts.has('chain')) {
  console.error(`\nchain: load → A → fetch → B, ${CHAIN_FRAMEWORKS.join(' and ')}...`);
  chain = await phase('chain', () => runChainBench({ ...settings, secret, onSample }));
}
let inbound: Record<string, InboundResult> | undefined;
if (parts.has('inbound')) {
  console.error('\ninbound adapters and OpenTelemetry...');
  inbound = await phase('inbound', () => runInboundBench({ ...settings, secret, onSample }));
}
const goals = chain ? checkGoals(chain) : [];
const loadAverageAtEnd = loadavg().map((value) => Math.round(value * 100) / 100);
const elapsedSeconds = Math.round((Date.now() - started) / 1000);

const lines: string[] = [
  `Measured ${machine.date.slice(0, 10)} on ${machine.cpu} (${machine.cores} cores), ${machine.platform}, Node ${machine.node}; ` +
    `${settings.rounds} interleaved rounds × ${settings.seconds}s, ${settings.connections} connections; ` +
    `load average ${machine.loadAverageAtStart[0]} at start, ${loadAverageAtEnd[0]} at end. ` +
    'The load generator and both servers share the same 2 cores: read ratios, not absolute req/s.',
];
if (chain) {
  lines.push(
    '',
    '### Two-hop chain (load → A → fetch → B)',
    '',
    'Requests/s: median (min–max) over rounds. Ratios: this variant over the other, paired round by round.',
    '',
    '| framework | variant | req/s | vs none | vs handWritten | vs alsFloor | vs otel |',
    '|---|---|---:|---|---|---|---|',
    ...Object.entries(chain).map(([framework, result]) => chainTable(framework, result)),
    '',
    '| framework | goal | measured | |',
    '|---|---|---|---|',
    ...goals.map(
      (g) =>
        `| ${g.framework} | ${g.goal} | \`${g.ratio}\` ${formatSpread(g.measured)} | ${g.met ? '✓' : '✗'} |`,
    ),
  );
}
if (inbound) {
  lines.push('', '### Inbound adapters and OpenTelemetry', '', inboundTable(inbound));
}
if (micro) lines.push('', '### Hot paths (mitata)', '', microTable(micro));
const markdown = `${lines.join('\n')}\n`;

const json = {
  machine: { ...machine, loadAverageAtEnd, loadGeneratorPinned: pinned },
  settings: { ...settings, quick, parts: [...parts], elapsedSeconds, phaseSeconds: phases },
  micro,
  chain,
  goals,
  inbound,
};
const results = new URL('./results/', import.meta.url);
writeFileSync(new URL(`${output}.json`, results), `${JSON.stringify(json, null, 2)}\n`);
writeFileSync(new URL(`${output}.md`, results), markdown);

console.log(`\n${markdown}`);
console.error(`wrote results/${output}.json and results/${output}.md in ${elapsedSeconds}s`);
if (goals.some((goal) => !goal.met)) {
  console.error(
    'A goal was missed: see where the time goes with `pnpm --filter ./bench run profile -- --framework <express|fastify> --variant <variant>` (README.md).',
  );
}
