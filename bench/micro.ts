/**
 * Hot-path microbenchmarks: what passport-relay adds to one request, measured with mitata.
 *
 *   pnpm --filter @passport-relay/bench bench:micro      (or: pnpm bench)
 *
 * jose's verification runs in the same process as the reference a general JOSE library costs;
 * passport-relay verifies with node:crypto directly and is held to jose's verdicts by
 * packages/core/test/jose-conformance.test.ts.
 */
import { createHmac, generateKeyPairSync, randomBytes, timingSafeEqual, verify } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { arch, cpus, platform } from 'node:os';
import { createRelay, plainCodecTrustingMesh, signedCodec } from '@passport-relay/core';
import { jwtVerify } from 'jose';
import { bench, do_not_optimize, run } from 'mitata';

const ISSUER = 'https://edge.bench';
const claims = {
  sub: 'user-1234',
  email: 'ada@example.com',
  name: 'Ada',
  roles: ['buyer'],
  tenant: 'acme',
};

const secret = randomBytes(32);
const ed = generateKeyPairSync('ed25519');
const hs = (cache: boolean) =>
  createRelay({
    codec: signedCodec({
      issuer: ISSUER,
      keys: [{ alg: 'HS256', secret }],
      signingKey: { alg: 'HS256', secret },
    }),
    cache: cache ? {} : false,
  });
const eddsa = createRelay({
  codec: signedCodec({
    issuer: ISSUER,
    keys: [{ alg: 'EdDSA', key: ed.publicKey }],
    signingKey: { alg: 'EdDSA', key: ed.privateKey },
  }),
  cache: false,
});
const plain = createRelay({ codec: plainCodecTrustingMesh(), cache: false });
const cached = hs(true);
const uncached = hs(false);
const hsToken = uncached.issue(claims);
const edToken = eddsa.issue(claims);
const plainToken = plain.issue(claims);
cached.verify(hsToken);

// The raw primitive each uncached verification is judged against: the same signing input, the
// same key, the signature already decoded. What verify() adds on top is the codec's own work.
const rawInput = (token: string) => token.slice(0, token.lastIndexOf('.'));
const rawSignature = (token: string) =>
  Buffer.from(token.slice(token.lastIndexOf('.') + 1), 'base64url');
const hsInput = rawInput(hsToken);
const hsSignature = rawSignature(hsToken);
const edInput = Buffer.from(rawInput(edToken));
const edSignature = rawSignature(edToken);

const context = cached.extract({ passport: hsToken, 'x-request-id': 'r-1' });
const headersObject = (): Record<string, string> => ({ accept: 'application/json' });
const access = {
  has: (carrier: Record<string, string>, name: string) => carrier[name] !== undefined,
  set: (carrier: Record<string, string>, name: string, value: string) => {
    carrier[name] = value;
  },
};

export interface MicroFigures {
  inject_ns: number;
  outboundDecision_ns: number;
  verifyCached_ns: number;
  verifyHs256_ns: number;
  verifyEdDsa_ns: number;
  verifyPlain_ns: number;
  joseVerifyHs256_ns: number;
  joseVerifyEdDsa_ns: number;
  extractCached_ns: number;
  rawHmacSha256_ns: number;
  rawEd25519Verify_ns: number;
}

export async function runMicroBench(): Promise<MicroFigures> {
  const names: Record<string, keyof MicroFigures> = {};
  const add = (label: string, key: keyof MicroFigures, fn: () => unknown) => {
    names[label] = key;
    bench(label, fn);
  };
  // The outbound decision runs inside a request context, as an adapter calls it.
  add('outbound decision + inject (allowed host)', 'inject_ns', () => {
    cached.runWith(context, () =>
      do_not_optimize(cached.propagate('http://orders:8080', headersObject(), access)),
    );
  });
  add('outbound decision only (memoised origin)', 'outboundDecision_ns', () => {
    cached.runWith(context, () => do_not_optimize(cached.outboundHeaders('http://orders:8080')));
  });
  add('verify: cached', 'verifyCached_ns', () => do_not_optimize(cached.verify(hsToken)));
  add('verify: HS256 uncached (node:crypto)', 'verifyHs256_ns', () =>
    do_not_optimize(uncached.verify(hsToken)),
  );
  add('raw: HMAC-SHA256 + timingSafeEqual of the same input', 'rawHmacSha256_ns', () =>
    do_not_optimize(
      timingSafeEqual(createHmac('sha256', secret).update(hsInput).digest(), hsSignature),
    ),
  );
  add('verify: EdDSA uncached (node:crypto)', 'verifyEdDsa_ns', () =>
    do_not_optimize(eddsa.verify(edToken)),
  );
  add('raw: Ed25519 verify of the same input', 'rawEd25519Verify_ns', () =>
    do_not_optimize(verify(null, edInput, ed.publicKey, edSignature)),
  );
  add('verify: plain (mesh-trusted)', 'verifyPlain_ns', () =>
    do_not_optimize(plain.verify(plainToken)),
  );
  add('inbound extract: cached + context object', 'extractCached_ns', () =>
    do_not_optimize(cached.extract({ passport: hsToken, 'x-request-id': 'r-1' })),
  );
  add('reference: jose jwtVerify HS256', 'joseVerifyHs256_ns', async () =>
    do_not_optimize(await jwtVerify(hsToken, secret, { issuer: ISSUER, algorithms: ['HS256'] })),
  );
  add('reference: jose jwtVerify EdDSA', 'joseVerifyEdDsa_ns', async () =>
    do_not_optimize(
      await jwtVerify(edToken, ed.publicKey, { issuer: ISSUER, algorithms: ['EdDSA'] }),
    ),
  );
  const result = await run({ format: 'quiet', throw: true });
  const figures = {} as MicroFigures;
  for (const trial of result.benchmarks) {
    const run0 = trial.runs[0];
    const key = names[trial.alias];
    if (key && run0?.stats) figures[key] = Math.round(run0.stats.avg * 10) / 10;
  }
  return figures;
}

const GOALS: Partial<Record<keyof MicroFigures, number>> = {
  inject_ns: 1000,
  verifyCached_ns: 1000,
  verifyHs256_ns: 5000,
  verifyEdDsa_ns: 60000,
};

/** Uncached verification against its raw primitive, measured in the same run (issue #16). */
const RATIO_GOALS = [
  { key: 'verifyHs256_ns', raw: 'rawHmacSha256_ns', goal: 2 },
  { key: 'verifyEdDsa_ns', raw: 'rawEd25519Verify_ns', goal: 1.1 },
] as const;

export function microTable(figures: MicroFigures): string {
  const rows = Object.entries(figures).map(([key, ns]) => {
    const goal = GOALS[key as keyof MicroFigures];
    const verdict =
      goal === undefined ? '' : ns <= goal ? `≤ ${goal / 1000} µs ✓` : `> ${goal / 1000} µs ✗`;
    return `| ${key} | ${(ns / 1000).toFixed(3)} µs | ${verdict} |`;
  });
  const ratios = RATIO_GOALS.map(({ key, raw, goal }) => {
    const ratio = figures[key] / figures[raw];
    return `| ${key} / ${raw} | ${ratio.toFixed(2)}× | ≤ ${goal}× ${ratio <= goal ? '✓' : '✗'} |`;
  });
  return ['| hot path | mean | goal |', '|---|---:|---|', ...rows, ...ratios].join('\n');
}

export function machine(): string {
  return `${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores), ${platform()}/${arch()}, Node ${process.version}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const figures = await runMicroBench();
  console.log(`\n${machine()}\n\n${microTable(figures)}\n`);
  writeFileSync(
    new URL('./results/micro.json', import.meta.url),
    `${JSON.stringify({ machine: machine(), date: new Date().toISOString(), figures }, null, 2)}\n`,
  );
}
