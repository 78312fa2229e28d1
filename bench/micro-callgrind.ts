/**
 * The hot paths in instructions, not nanoseconds: each one counted by callgrind, so the ratios
 * hold on a busy machine (issue #16). Run it through its launcher:
 *
 *   pnpm --filter ./bench run callgrind:micro -- [--runtime 26] [--iterations 4000]
 *
 * which starts this file as `valgrind --tool=callgrind --instr-atstart=no node --import tsx
 * micro-callgrind.ts --child`. In the child, every case is warmed up, then counted twice, for `n`
 * and for `2n` iterations (`callgrind_control -i on`, loop, `-d` dump, `-i off`, from inside the
 * process); the difference over `n` is the cost of one iteration, without the fixed cost of
 * switching the counter on and off.
 *
 * Cases: uncached HS256 verification against HMAC-SHA256 + timingSafeEqual of the same signing
 * input; uncached EdDSA against Ed25519 verify of the same input; the cached extract (a fresh
 * header string each time, as from an HTTP parser, minus the cost of making that string).
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHmac, generateKeyPairSync, randomBytes, timingSafeEqual, verify } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createRelay, signedCodec } from '@passport-relay/core';
import { cliArgs } from './cli-args.ts';
import { nodeFor } from './runtimes.ts';

const { values: args } = parseArgs({
  args: cliArgs(),
  options: {
    child: { type: 'boolean', default: false },
    runtime: { type: 'string', default: '26' },
    iterations: { type: 'string', default: '4000' },
  },
});

const OUT_DIR = fileURLToPath(new URL('./results/callgrind/', import.meta.url));

function child(): void {
  const n = Number(args.iterations);
  const claims = {
    sub: 'user-1234',
    email: 'ada@example.com',
    name: 'Ada',
    roles: ['buyer'],
    tenant: 'acme',
  };
  const secret = randomBytes(32);
  const ed = generateKeyPairSync('ed25519');
  const hsCodec = (signing: boolean) =>
    signedCodec({
      issuer: 'https://edge.bench',
      // Long enough that no passport expires while the child crawls under valgrind.
      ttlSeconds: 3600,
      keys: [{ alg: 'HS256', secret }],
      ...(signing ? { signingKey: { alg: 'HS256' as const, secret } } : {}),
    });
  const uncached = createRelay({ codec: hsCodec(false), cache: false });
  const cached = createRelay({ codec: hsCodec(false) });
  const hsToken = createRelay({ codec: hsCodec(true) }).issue(claims);
  const eddsa = createRelay({
    codec: signedCodec({
      issuer: 'https://edge.bench',
      // Long enough that no passport expires while the child crawls under valgrind.
      ttlSeconds: 3600,
      keys: [{ alg: 'EdDSA', key: ed.publicKey }],
      signingKey: { alg: 'EdDSA', key: ed.privateKey },
    }),
    cache: false,
  });
  const edToken = eddsa.issue(claims);
  const input = (token: string) => token.slice(0, token.lastIndexOf('.'));
  const signature = (token: string) =>
    Buffer.from(token.slice(token.lastIndexOf('.') + 1), 'base64url');
  const hsInput = input(hsToken);
  const hsSignature = signature(hsToken);
  const edInput = Buffer.from(input(edToken));
  const edSignature = signature(edToken);
  const hsBytes = Buffer.from(hsToken, 'latin1');
  // A header value as an HTTP parser hands it over: a new string, its hash not yet computed.
  const fresh = () => hsBytes.toString('latin1');
  let sink: unknown;
  const cases: Record<string, () => void> = {
    verifyHs256: () => {
      sink = uncached.verify(hsToken);
    },
    rawHmacSha256: () => {
      sink = timingSafeEqual(createHmac('sha256', secret).update(hsInput).digest(), hsSignature);
    },
    verifyEdDsa: () => {
      sink = eddsa.verify(edToken);
    },
    rawEd25519: () => {
      sink = verify(null, edInput, ed.publicKey, edSignature);
    },
    freshHeaderString: () => {
      sink = fresh();
    },
    extractCachedFreshString: () => {
      sink = cached.extract({ passport: fresh() });
    },
  };
  const control = (...options: string[]) =>
    execFileSync('callgrind_control', [...options, String(process.pid)], { stdio: 'ignore' });
  for (const [name, fn] of Object.entries(cases)) {
    for (let i = 0; i < 3 * n; i++) fn();
    for (const count of [n, 2 * n]) {
      control('-i', 'on');
      for (let i = 0; i < count; i++) fn();
      control(`--dump=${name}-${count}`);
      control('-i', 'off');
    }
  }
  void sink;
}

function totals(file: string): number {
  const match = /^totals:\s+(\d+)/m.exec(readFileSync(file, 'utf8'));
  if (!match) throw new Error(`no totals in ${file}`);
  return Number(match[1]);
}

async function parent(): Promise<void> {
  const n = Number(args.iterations);
  const node = nodeFor(args.runtime!);
  mkdirSync(OUT_DIR, { recursive: true });
  const out = `${OUT_DIR}micro-${args.runtime}.out`;
  for (const stale of readdirSync(OUT_DIR)) {
    if (stale.startsWith(`micro-${args.runtime}.out`)) rmSync(`${OUT_DIR}${stale}`);
  }
  const self = fileURLToPath(import.meta.url);
  const childProcess = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--instr-atstart=no',
      `--callgrind-out-file=${out}`,
      node,
      '--predictable',
      '--random-seed=1',
      '--hash-seed=1',
      '--min-semi-space-size=16',
      '--max-semi-space-size=16',
      '--import',
      'tsx',
      self,
      '--child',
      '--iterations',
      String(n),
    ],
    { stdio: ['ignore', 'inherit', 'pipe'], cwd: fileURLToPath(new URL('.', import.meta.url)) },
  );
  let stderr = '';
  childProcess.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => childProcess.once('exit', resolve));
  if (code !== 0) {
    const own = stderr.split('\n').filter((line) => !line.startsWith('=='));
    throw new Error(`the callgrind child exited with ${code}:\n${own.join('\n')}`);
  }
  // One dump per count and case (<out>.<seq>); its "desc: Trigger:" line names them.
  const perCase = new Map<string, Map<number, number>>();
  for (const file of readdirSync(OUT_DIR).filter((f) =>
    f.startsWith(`micro-${args.runtime}.out.`),
  )) {
    const text = readFileSync(`${OUT_DIR}${file}`, 'utf8');
    const trigger = /^desc: Trigger: .*?(\w+)-(\d+)\s*$/m.exec(text);
    if (!trigger) continue;
    const byCount = perCase.get(trigger[1]!) ?? new Map<number, number>();
    byCount.set(Number(trigger[2]), totals(`${OUT_DIR}${file}`));
    perCase.set(trigger[1]!, byCount);
  }
  const per: Record<string, number> = {};
  for (const [name, byCount] of perCase) {
    per[name] = (byCount.get(2 * n)! - byCount.get(n)!) / n;
  }
  const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  const row = (name: string) => `| ${name} | ${Math.round(per[name]!).toLocaleString('en-US')} |`;
  console.log(`\nNode ${version}, instructions per call (callgrind, ${n} vs ${2 * n} calls)\n`);
  console.log('| case | instructions |\n|---|---:|');
  for (const name of Object.keys(per)) console.log(row(name));
  const ratio = (a: string, b: string) => per[a]! / per[b]!;
  console.log(
    `\nverifyHs256 / rawHmacSha256: ${ratio('verifyHs256', 'rawHmacSha256').toFixed(2)}× (goal ≤ 2×)`,
  );
  console.log(
    `verifyEdDsa / rawEd25519: ${ratio('verifyEdDsa', 'rawEd25519').toFixed(2)}× (goal ≤ 1.1×)`,
  );
  console.log(
    `extract, cached, beyond making the header string: ${Math.round(per.extractCachedFreshString! - per.freshHeaderString!).toLocaleString('en-US')} instructions`,
  );
}

if (args.child) child();
else await parent();
