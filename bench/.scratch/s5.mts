import { readFileSync } from 'node:fs';
import { startServer, load, pinLoadGenerator } from '../harness.ts';
import { newSecret } from '../passports.ts';
const secret = newSecret();
const fw = (process.argv[2] ?? 'fastify') as 'fastify';
pinLoadGenerator(1);
const b = await startServer({ framework: fw, variant: 'none', role: 'b', secret }, { cpu: 1 });
const a = await startServer({ framework: fw, variant: 'none', role: 'a', secret, downstream: b.origin }, { cpu: 0 });
const cell = { url: a.origin + '/', headers: {}, connections: 32 };
const stat = () => readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number);
for (let i = 0; i < 15; i++) {
  const s0 = stat();
  const rps = Math.round(await load({ ...cell, seconds: 2 }));
  const s1 = stat();
  const d = s1.map((v, k) => v - s0[k]!);
  const total = d.reduce((x, y) => x + y, 0);
  console.log(rps, 'user', d[0], 'sys', d[2], 'idle', d[3], 'steal', d[7], 'total', total);
}
await Promise.all([a.stop(), b.stop()]);
