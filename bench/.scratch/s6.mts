import { startServer, load, pinLoadGenerator } from '../harness.ts';
import { newSecret } from '../passports.ts';
const secret = newSecret();
pinLoadGenerator(1);
const cells = [];
for (const variant of ['none', 'alsFloor'] as const) {
  const b = await startServer({ framework: 'fastify', variant, role: 'b', secret }, { cpu: 1 });
  const a = await startServer({ framework: 'fastify', variant, role: 'a', secret, downstream: b.origin }, { cpu: 0 });
  cells.push({ variant, a, b, url: a.origin + '/', headers: { passport: 'x' }, connections: 32 });
}
for (const c of cells) for (let i = 0; i < 4; i++) await load({ ...c, seconds: 1 });
const out: Record<string, number[]> = { none: [], alsFloor: [] };
for (let i = 0; i < 8; i++) for (const c of cells) out[c.variant]!.push(Math.round(await load({ ...c, seconds: 2 })));
console.log(out);
await Promise.all(cells.flatMap((c) => [c.a.stop(), c.b.stop()]));
