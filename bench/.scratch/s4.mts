import { execFileSync } from 'node:child_process';
import { load, startServer } from '../harness.ts';
import { newSecret } from '../passports.ts';

const secret = newSecret();
const fw = (process.argv[2] ?? 'fastify') as 'fastify';
const b = await startServer({ framework: fw, variant: 'none', role: 'b', secret }, { cpu: 1 });
const a = await startServer(
  { framework: fw, variant: 'none', role: 'a', secret, downstream: b.origin },
  { cpu: 0 },
);
const cell = { url: a.origin + '/', headers: {}, connections: 32 };
await load({ ...cell, seconds: 2 });
for (const mode of ['free', 'pin1', 'pin0', 'free']) {
  execFileSync('taskset', [
    '-a',
    '-p',
    '-c',
    mode === 'pin1' ? '1' : mode === 'pin0' ? '0' : '0,1',
    String(process.pid),
  ]);
  const r = [];
  for (let i = 0; i < 6; i++) r.push(Math.round(await load({ ...cell, seconds: 2 })));
  console.log(mode, r.join(' '));
}
await Promise.all([a.stop(), b.stop()]);
