import { load, pinLoadGenerator } from '../harness.ts';
import { newSecret } from '../passports.ts';
import { startChain, CHAIN_VARIANTS, type Chain } from '../chain.ts';
const secret = newSecret();
pinLoadGenerator(1);
const mode = process.argv[2] ?? 'all';
const chains: Chain[] = [];
for (const fw of ['express', 'fastify'] as const) for (const v of CHAIN_VARIANTS) {
  if (mode === 'all' || fw === 'fastify') chains.push(await startChain(fw, v, secret));
}
const pick = (fw: string, v: string) => chains.find((c) => c.framework === fw && c.variant === v)!;
const cells = [pick('fastify', 'none'), pick('fastify', 'alsFloor')].map((c) => ({ v: c.variant, url: c.a.origin + '/', headers: { passport: 'x' }, connections: 32 }));
const other = mode === 'all' ? { url: pick('express', 'otel').a.origin + '/', headers: {}, connections: 32 } : undefined;
for (const c of cells) for (let i = 0; i < 4; i++) await load({ ...c, seconds: 1 });
const out: Record<string, number[]> = { none: [], alsFloor: [] };
for (let i = 0; i < 6; i++) {
  for (const c of cells) out[c.v]!.push(Math.round(await load({ ...c, seconds: 2 })));
  if (other && process.argv[3] === 'other') await load({ ...other, seconds: 2 });
}
console.log(mode, process.argv[3], out);
await Promise.all(chains.flatMap((c) => [c.a.stop(), c.b.stop()]));
