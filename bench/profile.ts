/**
 * Where A's time goes: CPU-profile service A of the chain (`node --cpu-prof`) under the same load
 * for a passport-relay variant and for a baseline (the ALS floor by default), then charge every
 * sample to the code that spent it and compare the two per request.
 *
 *   pnpm --filter ./bench run profile -- --framework express --variant relaySignedUncached
 *   npx tsx profile.ts --framework fastify --variant relayPlain --baseline alsFloor --duration 10
 *
 * A sample is charged to the nearest frame, walking up from the leaf, that belongs to a package:
 * passport-relay (packages/<name>/dist), a library in node_modules, or the bench's own code. Time
 * in Node internals and native code (HMAC, JSON, sockets) is charged to whoever called it, so a
 * signature check counts as passport-relay's. Only samples taken while the load ran are counted.
 * The profiles are kept as results/<framework>-<variant>.cpuprofile (open them in Chrome DevTools)
 * and the summary is written to results/profile-<framework>-<variant>.md.
 */
import {
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkChain } from './chain.ts';
import { cliArgs } from './cli-args.ts';
import { CORES, type Framework, load, pinLoadGenerator, startServer } from './harness.ts';
import { issuer, newSecret } from './passports.ts';
import { request, type Variant } from './variants.ts';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: CallFrame;
    readonly children?: readonly number[];
  }[];
  readonly startTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Time charged per owner and per function, in microseconds, over a number of requests. */
interface Charges {
  readonly requests: number;
  readonly windowSeconds: number;
  readonly totalUs: number;
  readonly byOwner: Map<string, number>;
  readonly byFunction: Map<string, { owner: string; us: number }>;
}

const VM_STATES = new Set(['(garbage collector)', '(program)', '(idle)', '(root)']);

/** Which package a script belongs to, or undefined for Node internals and native code. */
function ownerOf(url: string): string | undefined {
  if (url === '' || url.startsWith('node:')) return undefined;
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const workspace = /\/packages\/([^/]+)\/dist\//.exec(path);
  if (workspace) return `passport-relay/${workspace[1]}`;
  const dependency = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
  if (dependency) return dependency[1];
  if (path.includes('/bench/')) return 'bench code';
  return path;
}

function label(frame: CallFrame): string {
  const path = frame.url.startsWith('file://') ? fileURLToPath(frame.url) : frame.url;
  const short = path.replace(/.*\/packages\//, 'packages/').replace(/.*\/node_modules\//, '');
  return `${frame.functionName || '(anonymous)'} ${short}:${frame.lineNumber + 1}`;
}

/** Charge each sample taken between `fromUs` and `toUs` (CLOCK_MONOTONIC, like process.hrtime). */
function charge(profile: CpuProfile, fromUs: number, toUs: number, requests: number): Charges {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const byOwner = new Map<string, number>();
  const byFunction = new Map<string, { owner: string; us: number }>();
  let time = profile.startTime;
  let totalUs = 0;
  profile.samples.forEach((leaf, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    time += delta;
    if (time < fromUs || time > toUs) return;
    totalUs += delta;
    let owner: string | undefined;
    let frame: CallFrame | undefined;
    for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) {
      const candidate = byId.get(id)!.callFrame;
      owner = ownerOf(candidate.url);
      if (owner !== undefined) {
        frame = candidate;
        break;
      }
    }
    const leafFrame = byId.get(leaf)!.callFrame;
    if (owner === undefined) {
      owner = VM_STATES.has(leafFrame.functionName)
        ? leafFrame.functionName
        : 'node internals only';
    }
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + delta);
    const key = frame ? label(frame) : owner;
    const entry = byFunction.get(key) ?? { owner, us: 0 };
    entry.us += delta;
    byFunction.set(key, entry);
  });
  return { requests, windowSeconds: (toUs - fromUs) / 1e6, totalUs, byOwner, byFunction };
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

/** Run the chain for `variant` with A profiled; return the charges of the measured window. */
async function profileVariant(
  framework: Framework,
  variant: Variant,
  options: { seconds: number; connections: number; secret: string },
): Promise<Charges & { rps: number; file: string }> {
  const passports = issuer(options.secret);
  const name = `${framework}-${variant}.cpuprofile`;
  const results = fileURLToPath(new URL('./results/', import.meta.url));
  // Every thread writes a profile (tsx's loader runs in a worker): keep the main thread's (tid 0).
  const dir = mkdtempSync(join(tmpdir(), 'passport-relay-profile-'));
  const b = await startServer(
    { framework, variant, role: 'b', secret: options.secret },
    { cpu: CORES.b },
  );
  const a = await startServer(
    { framework, variant, role: 'a', secret: options.secret, downstream: b.origin },
    {
      cpu: CORES.a,
      nodeFlags: ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '500'],
    },
  );
  try {
    await checkChain({ framework, variant, a, b }, passports);
    const cell = {
      url: `${a.origin}/`,
      headers: request(variant, passports, 'bench-user').headers,
      connections: options.connections,
    };
    await load({ ...cell, seconds: 2 });
    const from = nowUs();
    const rps = await load({ ...cell, seconds: options.seconds });
    const to = nowUs();
    await a.stop();
    const main = readdirSync(dir).find((file) => /\.\d+\.0\.\d+\.cpuprofile$/.test(file));
    if (main === undefined) throw new Error(`no main-thread profile in ${dir}`);
    copyFileSync(join(dir, main), `${results}${name}`);
    rmSync(dir, { recursive: true, force: true });
    const profile = JSON.parse(readFileSync(`${results}${name}`, 'utf8')) as CpuProfile;
    return {
      ...charge(profile, from, to, Math.round(rps * ((to - from) / 1e6))),
      rps,
      file: `results/${name}`,
    };
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
}

const perRequest = (charges: Charges, us: number | undefined) => (us ?? 0) / charges.requests;
const fmt = (value: number) => value.toFixed(1);

function report(
  framework: string,
  baselineName: string,
  baseline: Charges & { rps: number; file: string },
  variantName: string,
  variant: Charges & { rps: number; file: string },
  top: number,
): string {
  const owners = [...new Set([...baseline.byOwner.keys(), ...variant.byOwner.keys()])]
    .map((owner) => {
      const before = perRequest(baseline, baseline.byOwner.get(owner));
      const after = perRequest(variant, variant.byOwner.get(owner));
      return { owner, before, after, delta: after - before };
    })
    .sort((x, y) => Math.abs(y.delta) - Math.abs(x.delta));
  const relayFunctions = [...variant.byFunction.entries()]
    .filter(([, entry]) => entry.owner.startsWith('passport-relay/'))
    .sort((x, y) => y[1].us - x[1].us)
    .slice(0, top);
  const relayTotal = owners
    .filter((o) => o.owner.startsWith('passport-relay/'))
    .reduce((sum, o) => sum + o.after, 0);
  const busy = (c: Charges) =>
    perRequest(c, c.totalUs - (c.byOwner.get('(idle)') ?? 0) - (c.byOwner.get('(program)') ?? 0));
  return [
    `### A's CPU per request: ${framework}, ${variantName} vs ${baselineName}`,
    '',
    `${baselineName}: ${Math.round(baseline.rps)} req/s, ${baseline.requests} requests profiled; ` +
      `${variantName}: ${Math.round(variant.rps)} req/s, ${variant.requests} requests profiled. ` +
      `A's sampled time per request excluding (program) and (idle): ${fmt(busy(baseline))} µs vs ${fmt(busy(variant))} µs; ` +
      `charged to passport-relay: ${fmt(relayTotal)} µs per request. Profiles: ${baseline.file}, ${variant.file}.`,
    '',
    `| charged to | ${baselineName} µs/req | ${variantName} µs/req | Δ µs/req |`,
    '|---|---:|---:|---:|',
    ...owners
      .slice(0, top)
      .map(
        (o) =>
          `| ${o.owner} | ${fmt(o.before)} | ${fmt(o.after)} | ${o.delta >= 0 ? '+' : ''}${fmt(o.delta)} |`,
      ),
    '',
    `Top passport-relay functions in ${variantName} (self time plus the Node internals and native code they called):`,
    '',
    '| function | µs/req | share of A |',
    '|---|---:|---:|',
    ...relayFunctions.map(
      ([name, entry]) =>
        `| \`${name}\` | ${fmt(perRequest(variant, entry.us))} | ${((100 * entry.us) / variant.totalUs).toFixed(1)}% |`,
    ),
  ].join('\n');
}

const { values } = parseArgs({
  args: cliArgs(),
  options: {
    framework: { type: 'string', default: 'express' },
    variant: { type: 'string', default: 'relaySignedUncached' },
    baseline: { type: 'string', default: 'alsFloor' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
    top: { type: 'string', default: '12' },
  },
});
const framework = values.framework as Framework;
const options = {
  seconds: Number(values.duration),
  connections: Number(values.connections),
  secret: newSecret(),
};
pinLoadGenerator(CORES.loadGenerator);
const baseline = await profileVariant(framework, values.baseline as Variant, options);
const variant = await profileVariant(framework, values.variant as Variant, options);
const markdown = `${report(framework, values.baseline!, baseline, values.variant!, variant, Number(values.top))}\n`;
writeFileSync(
  new URL(`./results/profile-${framework}-${values.variant}.md`, import.meta.url),
  markdown,
);
console.log(markdown);
