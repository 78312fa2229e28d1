import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { delimiter, join } from 'node:path';

/**
 * A broker the tests started on loopback: a real server process with its data in a temporary
 * directory. `restart()` stops it gracefully and starts it again on the same port with the same
 * data, as an operator's restart does; `close()` stops it and deletes its data.
 * @example
 * ```ts
 * const redis = await startRedisServer();
 * await redis.restart();
 * await redis.close();
 * ```
 */
export interface BrokerServer {
  /** `redis`, `rabbitmq` or `nats`. */
  readonly kind: string;
  readonly host: '127.0.0.1';
  readonly port: number;
  /** The URL clients connect to: `redis://`, `amqp://` or `nats://` on 127.0.0.1. */
  readonly url: string;
  /** Where the broker keeps its data (deleted by `close()`). */
  readonly dataDir: string;
  /** Stop gracefully (SIGTERM), keeping the data. */
  stop(): Promise<void>;
  /** Start again after `stop()`, on the same port with the same data. */
  start(): Promise<void>;
  /** `stop()` then `start()`. */
  restart(): Promise<void>;
  /** Stop and delete the data directory. Safe to call twice. */
  close(): Promise<void>;
}

/** How to run one kind of broker, for {@link brokerServer}. */
export interface BrokerRecipe {
  readonly kind: string;
  readonly binary: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly port: number;
  readonly url: string;
  readonly dataDir: string;
  readonly startTimeoutMs: number;
  /** Resolves when the server answers on its port as the real protocol does. */
  ready(port: number): Promise<boolean>;
  /** Run after the process exited, e.g. to stop an Erlang port mapper the broker started. */
  afterStop?(): Promise<void>;
}

/**
 * The path of `binary`, or a clear error when it is not installed: such a test fails, it never
 * skips.
 * @example
 * ```ts
 * requireBinary('redis-server'); // '/usr/bin/redis-server'
 * ```
 */
export function requireBinary(binary: string): string {
  if (binary.includes('/')) {
    try {
      accessSync(binary, constants.X_OK);
      return binary;
    } catch {
      // reported below
    }
  } else {
    for (const dir of (process.env.PATH ?? '').split(delimiter)) {
      const candidate = join(dir, binary);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // keep looking
      }
    }
  }
  throw new Error(
    `${binary} is not installed, and this test needs a real broker: run "bash .ci/needs/messages.sh" (apt-get install redis-server rabbitmq-server nats-server).`,
  );
}

/** Send `probe` to 127.0.0.1:port and resolve with the first bytes the server answers. */
export function probeTcp(port: number, probe: string | Buffer, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let answer = '';
    const done = () => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, done);
    socket.once('error', done);
    socket.once('connect', () => {
      if (probe.length > 0) socket.write(probe);
    });
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      done();
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Run a broker from its recipe and wait until it answers. */
export async function brokerServer(recipe: BrokerRecipe): Promise<BrokerServer> {
  let child: ChildProcess | undefined;
  let output = '';
  let closed = false;

  async function start(): Promise<void> {
    if (child !== undefined) return;
    output = '';
    const started = spawn(recipe.binary, [...recipe.args], {
      env: { ...process.env, ...recipe.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child = started;
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-4000);
    };
    started.stdout?.on('data', keep);
    started.stderr?.on('data', keep);
    let exited = false;
    started.once('exit', () => {
      exited = true;
    });
    const deadline = Date.now() + recipe.startTimeoutMs;
    while (Date.now() < deadline) {
      if (exited) break;
      if (await recipe.ready(recipe.port)) return;
      await sleep(100);
    }
    await stop();
    throw new Error(
      `${recipe.kind} did not start on 127.0.0.1:${recipe.port} within ${recipe.startTimeoutMs} ms. Its output:\n${output}`,
    );
  }

  async function stop(): Promise<void> {
    const running = child;
    if (running === undefined) return;
    child = undefined;
    if (running.exitCode === null && running.signalCode === null) {
      const exited = new Promise((resolve) => running.once('exit', resolve));
      signal(running, 'SIGTERM');
      const timer = setTimeout(() => signal(running, 'SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    await recipe.afterStop?.();
  }

  const server: BrokerServer = {
    kind: recipe.kind,
    host: '127.0.0.1',
    port: recipe.port,
    url: recipe.url,
    dataDir: recipe.dataDir,
    start,
    stop,
    async restart() {
      await stop();
      await start();
    },
    async close() {
      if (closed) return;
      closed = true;
      await stop();
      rmSync(recipe.dataDir, { recursive: true, force: true });
    },
  };
  await start();
  return server;
}

/** Signal the broker's whole process group: wrapper scripts start the real server as a child. */
function signal(child: ChildProcess, name: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, name);
  } catch {
    child.kill(name);
  }
}
