import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrokerServer, brokerServer, probeTcp, requireBinary } from './broker-process.js';
import { freeLoopbackPort } from './free-port.js';

/**
 * Start Debian's `redis-server` on a free loopback port, with an append-only file fsynced on every
 * write, so a restart (or a crash) loses no job. Fails with a clear message when not installed.
 * @example
 * ```ts
 * const redis = await startRedisServer();
 * const connection = { host: redis.host, port: redis.port };
 * ```
 */
export async function startRedisServer(): Promise<BrokerServer> {
  const binary = requireBinary('redis-server');
  const port = await freeLoopbackPort();
  const dataDir = mkdtempSync(join(tmpdir(), 'passport-relay-redis-'));
  return brokerServer({
    kind: 'redis',
    binary,
    args: [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dataDir,
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--daemonize',
      'no',
    ],
    port,
    url: `redis://127.0.0.1:${port}`,
    dataDir,
    startTimeoutMs: 15_000,
    ready: async (p) => (await probeTcp(p, 'PING\r\n')).startsWith('+PONG'),
  });
}
