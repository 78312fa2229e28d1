import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type BrokerServer, brokerServer, probeTcp, requireBinary } from './broker-process.js';
import { freeLoopbackPort } from './free-port.js';

const run = promisify(execFile);

/** Where Debian keeps the real start script (`/usr/sbin/rabbitmq-server` switches user first). */
const DEBIAN_SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';

/** The AMQP 0-9-1 protocol header: a broker answers it with a Connection.Start frame. */
const AMQP_HEADER = Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1]);

/**
 * Start Debian's RabbitMQ on free loopback ports, in its own node name, data and log directories
 * and its own Erlang port mapper, so it never meets a system RabbitMQ. Durable queues and
 * persistent messages survive `restart()`. Takes some seconds. Fails clearly when not installed.
 * @example
 * ```ts
 * const rabbit = await startRabbitMqServer();
 * const connection = await amqplib.connect(rabbit.url);
 * ```
 */
export async function startRabbitMqServer(): Promise<BrokerServer> {
  const binary = requireBinary(process.env.RABBITMQ_SERVER_BINARY ?? DEBIAN_SERVER);
  const [port, distPort, epmdPort] = [
    await freeLoopbackPort(),
    await freeLoopbackPort(),
    await freeLoopbackPort(),
  ];
  const dataDir = mkdtempSync(join(tmpdir(), 'passport-relay-rabbitmq-'));
  const home = join(dataDir, 'home');
  mkdirSync(home);
  const config = join(dataDir, 'rabbitmq.conf');
  writeFileSync(
    config,
    [
      `listeners.tcp.default = 127.0.0.1:${port}`,
      'loopback_users = none',
      // A loaded test machine: never block publishers on disk or memory alarms.
      'disk_free_limit.absolute = 1MB',
      'vm_memory_high_watermark.relative = 0.9',
      '',
    ].join('\n'),
  );
  const plugins = join(dataDir, 'enabled_plugins');
  writeFileSync(plugins, '[].\n');
  const env = {
    HOME: home,
    RABBITMQ_NODENAME: `passport-relay-${port}@localhost`,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    ERL_EPMD_PORT: String(epmdPort),
    RABBITMQ_CONFIG_FILE: config,
    RABBITMQ_ENABLED_PLUGINS_FILE: plugins,
    RABBITMQ_MNESIA_BASE: join(dataDir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dataDir, 'log'),
    RABBITMQ_LOGS: '-',
    RABBITMQ_CONF_ENV_FILE: join(dataDir, 'rabbitmq-env.conf'),
  };
  return brokerServer({
    kind: 'rabbitmq',
    binary,
    args: [],
    env,
    port,
    url: `amqp://guest:guest@127.0.0.1:${port}`,
    dataDir,
    startTimeoutMs: 90_000,
    ready: async (p) => (await probeTcp(p, AMQP_HEADER, 2000)).charCodeAt(0) === 1,
    async afterStop() {
      // The broker started its own port mapper on ERL_EPMD_PORT; stop it with the broker.
      await run('epmd', ['-kill'], { env: { ...process.env, ...env } }).catch(() => undefined);
    },
  });
}
