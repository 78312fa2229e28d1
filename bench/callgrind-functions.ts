/**
 * Where A's instructions go, per function: two callgrind dumps kept by `callgrind.ts --keep` (a
 * baseline and a variant), each with A's perf map, compared function by function.
 *
 *   pnpm --filter ./bench run callgrind -- --runtime 26 --framework express \
 *     --variant alsFloor,relaySignedCached --keep --out profile
 *   pnpm --filter ./bench run callgrind:functions -- --requests 2000 \
 *     results/callgrind/profile-26-express-alsFloor-0.out.1 \
 *     results/callgrind/profile-26-express-relaySignedCached-0.out.1
 *
 * callgrind knows JIT code only by address: each address is named with the perf map Node wrote
 * (`--perf-basic-prof`: `start size name` per compiled function). Costs are self costs
 * (`callgrind_annotate`), per request; V8 builtins and native code (HMAC, JSON, hashing) are
 * listed by their own names, so a difference there is read together with the JS functions that
 * call them. Prints a Markdown table: per owner (passport-relay package, npm package, Node, V8,
 * native) and the functions whose cost differs most.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { cliArgs } from './cli-args.ts';

const { values: args, positionals } = parseArgs({
  args: cliArgs(),
  options: {
    requests: { type: 'string', default: '2000' },
    top: { type: 'string', default: '40' },
  },
  allowPositionals: true,
});

interface Symbol {
  readonly start: bigint;
  readonly end: bigint;
  readonly name: string;
}

function perfMap(file: string): Symbol[] {
  const symbols: Symbol[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line);
    if (!match) continue;
    const start = BigInt(`0x${match[1]}`);
    symbols.push({ start, end: start + BigInt(`0x${match[2]}`), name: match[3]! });
  }
  // Later entries win: V8 may reuse an address for new code.
  return symbols.reverse().sort((x, y) => (x.start < y.start ? -1 : x.start > y.start ? 1 : 0));
}

function lookup(symbols: readonly Symbol[], address: bigint): string | undefined {
  let low = 0;
  let high = symbols.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const symbol = symbols[middle]!;
    if (address < symbol.start) high = middle - 1;
    else if (address >= symbol.end) low = middle + 1;
    else return symbol.name;
  }
  return undefined;
}

/** Who a function belongs to: a passport-relay package, an npm package, Node, V8, or native. */
function owner(name: string, object: string): string {
  const relay = /packages\/([\w-]+)\/dist\//.exec(name);
  if (relay) return `@passport-relay/${relay[1]}`;
  const npm = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[\w.-]+\/)?[\w.-]+)\//.exec(
    name,
  );
  if (npm) return npm[1]!;
  if (/\/bench\//.test(name)) return 'bench app';
  if (/node:|^(?:JS|LazyCompile|Function):.*\s(?:node:)?internal\//.test(name)) return 'node (JS)';
  if (name.startsWith('Builtins_') || /^(?:Builtin|BytecodeHandler|Stub):/.test(name))
    return 'V8 builtins';
  if (/^(?:JS|LazyCompile|Function|Script|RegExp):/.test(name)) return 'JS (other)';
  if (/^0x[0-9a-f]+$/.test(name)) return 'JIT (unnamed)';
  // Maglev and TurboFan's own functions: callgrind.ts subtracts their inclusive cost from its
  // figure, so a difference here is compilation that fell into one window, not request work.
  if (/^v8::internal::(?:compiler|maglev)::/.test(name)) return 'V8 optimizing compilers';
  return object.split('/').pop() || 'native';
}

/** Self instructions per function of one dump, JIT addresses named with the perf map. */
function selfCosts(dump: string): Map<string, { owner: string; ir: number }> {
  const symbols = perfMap(`${dump}.map`);
  const text = execFileSync(
    'callgrind_annotate',
    ['--threshold=100', '--auto=no', '--show-percs=no', dump],
    { encoding: 'utf8', maxBuffer: 1 << 28 },
  );
  const costs = new Map<string, { owner: string; ir: number }>();
  for (const line of text.split('\n')) {
    const match = /^\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(\S+?):(.+?)(?: \[(.*)\])?\s*$/.exec(line);
    if (!match) continue;
    const ir = Number(match[1]!.replaceAll(',', ''));
    let name = match[3]!.trim();
    const object = match[4] ?? '';
    if (/^0x[0-9a-f]+$/i.test(name)) name = lookup(symbols, BigInt(name)) ?? 'JIT (unnamed)';
    name = name.replace(/file:\/\/\/work\/wt\/[\w-]+\//, '').replace(/\/work\/wt\/[\w-]+\//, '');
    const who = owner(name, object);
    const entry = costs.get(name) ?? { owner: who, ir: 0 };
    entry.ir += ir;
    costs.set(name, entry);
  }
  return costs;
}

function main(): void {
  const [baseDump, variantDump] = positionals;
  if (!baseDump || !variantDump)
    throw new Error('usage: callgrind-functions.ts BASE.out.1 VARIANT.out.1');
  const requests = Number(args.requests);
  const base = selfCosts(baseDump);
  const variant = selfCosts(variantDump);
  const names = new Set([...base.keys(), ...variant.keys()]);
  const rows = [...names].map((name) => {
    const b = (base.get(name)?.ir ?? 0) / requests;
    const v = (variant.get(name)?.ir ?? 0) / requests;
    return { name, owner: (variant.get(name) ?? base.get(name))!.owner, b, v, delta: v - b };
  });
  const owners = new Map<string, { b: number; v: number }>();
  for (const row of rows) {
    const entry = owners.get(row.owner) ?? { b: 0, v: 0 };
    entry.b += row.b;
    entry.v += row.v;
    owners.set(row.owner, entry);
  }
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const signed = (x: number) => `${x >= 0 ? '+' : '−'}${n(Math.abs(x))}`;
  const totalB = rows.reduce((sum, row) => sum + row.b, 0);
  const totalV = rows.reduce((sum, row) => sum + row.v, 0);
  console.log(`Instructions per request, self cost (${requests} requests per dump)\n`);
  console.log(
    `| owner | ${baseDump.split('/').pop()} | ${variantDump.split('/').pop()} | difference |`,
  );
  console.log('|---|---:|---:|---:|');
  for (const [who, { b, v }] of [...owners].sort(
    (x, y) => Math.abs(y[1].v - y[1].b) - Math.abs(x[1].v - x[1].b),
  )) {
    if (Math.abs(v - b) < 50 && v < 1000) continue;
    console.log(`| ${who} | ${n(b)} | ${n(v)} | ${signed(v - b)} |`);
  }
  console.log(`| **total** | ${n(totalB)} | ${n(totalV)} | ${signed(totalV - totalB)} |\n`);
  console.log('| function | owner | base | variant | difference |');
  console.log('|---|---|---:|---:|---:|');
  for (const row of rows
    .sort((x, y) => Math.abs(y.delta) - Math.abs(x.delta))
    .slice(0, Number(args.top))) {
    console.log(
      `| \`${row.name.slice(0, 110)}\` | ${row.owner} | ${n(row.b)} | ${n(row.v)} | ${signed(row.delta)} |`,
    );
  }
}

main();
