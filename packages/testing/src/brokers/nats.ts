import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrokerServer, brokerServer, probeTcp, requireBinary } from './broker-process.js';
import { freeLoopbackPort } from './free-port.js';

/**
 * Start Debian's `nats-server` on a free loopback port with JetStream storing to a temporary
 * directory, so streams survive a restart. Fails with a clear message when not installed.
 * @example
 * ```ts
 * const nats = await startNatsServer();
 * const connection = await connect({ servers: nats.url });
 * ```
 */
export async function startNatsServer(): Promise<BrokerServer> {
  const binary = requireBinary('nats-server');
  const port = await freeLoopbackPort();
  const dataDir = mkdtempSync(join(tmpdir(), 'passport-relay-nats-'));
  return brokerServer({
    kind: 'nats',
    binary,
    args: ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dataDir],
    port,
    url: `nats://127.0.0.1:${port}`,
    dataDir,
    startTimeoutMs: 15_000,
    // A NATS server greets every connection with INFO {...}; JetStream is ready with it.
    ready: async (p) => (await probeTcp(p, '')).startsWith('INFO '),
  });
}
