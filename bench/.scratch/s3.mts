import { startServer } from '../harness.ts';
import { newSecret } from '../passports.ts';

const secret = newSecret();
for (const [framework, variant, role] of [
  ['express', 'none', 'b'],
  ['express', 'relaySignedCached', 'b'],
  ['express', 'otel', 'b'],
  ['fastify', 'none', 'b'],
  ['nest', 'bare', 'single'],
  ['nest', 'adapter', 'single'],
  ['http', 'otelRelay', 'b'],
] as const) {
  const t = Date.now();
  const s = await startServer({ framework, variant, role, secret }, { cpu: 0 });
  console.log(framework, variant, Date.now() - t, 'ms');
  await s.stop();
}
