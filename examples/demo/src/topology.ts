/**
 * The demo's processes: each service a Node process on loopback, started in dependency order,
 * each told its downstream's URL. Used by `pnpm demo` and by the end-to-end tests in test/.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const STARTUP_TIMEOUT_MS = 30_000;

export type ServiceName = 'partner' | 'users' | 'payments' | 'orders' | 'gateway';

interface Running {
  readonly child: ChildProcess;
  readonly port: number;
  readonly env: Record<string, string>;
}

/** A service's key set changed (or a JWKS fetch failed), as it reported it. */
export interface KeyEvent {
  readonly service: ServiceName;
  readonly kids: readonly string[];
  readonly at: number;
  readonly error?: string;
}

/** Options of {@link startTopology}. */
export interface TopologyOptions {
  /**
   * Services fetch the gateway's JWKS instead of being given its key, and the gateway keeps its
   * keys in a ring it can rotate (over `/admin/keys/*`, loopback only). The numbers are the
   * services' JWKS refresh, the ring's waits and the passport lifetime, kept short for tests.
   */
  readonly keyRotation?: {
    readonly jwksMaxAgeMs: number;
    readonly propagationMs: number;
    readonly retentionMs: number;
    readonly passportTtlSeconds: number;
  };
  /**
   * How identity travels: the SDK's signed passport (default) or IETF Transaction Tokens, with the
   * gateway as a local Transaction Token Service.
   */
  readonly format?: DemoFormat;
}

export interface Topology {
  /** `http://host:port` of each service. */
  readonly url: Readonly<Record<ServiceName, string>>;
  /** What each service reported about its keys (with `keyRotation`). */
  readonly keyEvents: readonly KeyEvent[];
  /** Whether a service's process is running. */
  isRunning(name: ServiceName): boolean;
  /** Kill one service (SIGKILL: no goodbye), as a crash would. */
  kill(name: ServiceName): Promise<void>;
  /** Start a killed service again on the same port, so its callers need no change. */
  restart(name: ServiceName): Promise<void>;
  /** A user token from the demo identity provider (any user name: a profile is made up). */
  login(user: string): Promise<string>;
  /** Stop every process started. */
  stop(): Promise<void>;
}

function start(
  name: ServiceName,
  env: Record<string, string>,
  keyEvents: KeyEvent[],
): Promise<Running> {
  const child = fork(join(here, 'services', `${name}.ts`), [], {
    cwd: join(here, '..'),
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start in time\n${stderr}`));
    }, STARTUP_TIMEOUT_MS);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it was ready\n${stderr}`));
    };
    child.once('exit', onExit);
    child.on(
      'message',
      (message: {
        ready?: boolean;
        port?: number;
        keys?: string[];
        at?: number;
        error?: string;
      }) => {
        if (message.keys && message.at) {
          keyEvents.push({
            service: name,
            kids: message.keys,
            at: message.at,
            ...(message.error ? { error: message.error } : {}),
          });
        }
        if (message.ready && message.port) {
          clearTimeout(timer);
          child.removeListener('exit', onExit);
          resolve({ child, port: message.port, env });
        }
      },
    );
  });
}

function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
    if (signal !== 'SIGKILL') setTimeout(() => child.kill('SIGKILL'), 3_000).unref();
  });
}

/** How identity travels: the SDK's own signed passport, or IETF Transaction Tokens. */
export type DemoFormat = 'passport' | 'txn-token';

/**
 * Start the demo: passport keys generated here (only the gateway gets the private half), the
 * partner API on 127.0.0.2 (loopback, but off the services' allowlist), the rest on 127.0.0.1.
 * With `format: 'txn-token'` the gateway is a local Transaction Token Service and every service
 * verifies Txn-Tokens with the same public key.
 */
/** A loopback port free right now (taken and released), for a service others must know first. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export async function startTopology(options: TopologyOptions = {}): Promise<Topology> {
  const passportKeys = generateKeyPairSync('ed25519');
  const jwks = JSON.stringify({
    keys: [{ ...passportKeys.publicKey.export({ format: 'jwk' }), kid: 'demo-1', alg: 'EdDSA' }],
  });
  const signingJwk = JSON.stringify({
    ...passportKeys.privateKey.export({ format: 'jwk' }),
    kid: 'demo-1',
  });
  const running = new Map<ServiceName, Running>();
  const url = {} as Record<ServiceName, string>;
  const keyEvents: KeyEvent[] = [];
  const launch = async (name: ServiceName, host: string, env: Record<string, string>) => {
    const service = await start(name, { HOST: host, ...env }, keyEvents);
    running.set(name, service);
    url[name] = `http://${host}:${service.port}`;
  };
  const stop = async () => {
    await Promise.all([...running.values()].map(({ child }) => stopProcess(child, 'SIGTERM')));
  };
  const rotation = options.keyRotation;
  if (rotation && options.format === 'txn-token') {
    throw new Error(
      'the demo rotates keys for signed passports only; run Txn-Token mode without keyRotation',
    );
  }
  // With rotation, services learn the keys from the gateway's JWKS; they start first, so they
  // are told its address in advance (they serve 503 until it answers, then fetch it).
  const gatewayPort = rotation ? await freePort() : undefined;
  const keysFrom: Record<string, string> = rotation
    ? {
        PASSPORT_JWKS_URL: `http://127.0.0.1:${gatewayPort}/.well-known/jwks.json`,
        PASSPORT_JWKS_MAX_AGE_MS: String(rotation.jwksMaxAgeMs),
        PASSPORT_JWKS_COOLDOWN_MS: String(Math.min(200, rotation.jwksMaxAgeMs)),
      }
    : { PASSPORT_JWKS: jwks };
  const gatewayKeys: Record<string, string> = rotation
    ? {
        PORT: String(gatewayPort),
        PASSPORT_KEY_RING: '1',
        PASSPORT_KEY_ADMIN: '1',
        PASSPORT_KEY_PROPAGATION_MS: String(rotation.propagationMs),
        PASSPORT_KEY_RETENTION_MS: String(rotation.retentionMs),
        PASSPORT_TTL_SECONDS: String(rotation.passportTtlSeconds),
      }
    : {};
  try {
    const shared = {
      ...keysFrom,
      PASSPORT_PROPAGATE_TO: '127.0.0.1',
      PASSPORT_FORMAT: options.format ?? 'passport',
    };
    await launch('partner', '127.0.0.2', {});
    await launch('users', '127.0.0.1', { ...shared, EXTERNAL_URL: `${url.partner}/enrich` });
    await launch('payments', '127.0.0.1', { ...shared, USERS_URL: url.users });
    await launch('orders', '127.0.0.1', { ...shared, PAYMENTS_URL: url.payments });
    await launch('gateway', '127.0.0.1', {
      ...shared,
      ...gatewayKeys,
      PASSPORT_SIGNING_JWK: signingJwk,
      ORDERS_URL: url.orders,
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    keyEvents,
    isRunning: (name) => {
      const child = running.get(name)?.child;
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    kill: async (name) => {
      const service = running.get(name);
      if (service) await stopProcess(service.child, 'SIGKILL');
    },
    restart: async (name) => {
      const service = running.get(name);
      if (!service) throw new Error(`${name} was never started`);
      const again = await start(name, { ...service.env, PORT: String(service.port) }, keyEvents);
      running.set(name, again);
    },
    login: async (user) => {
      const response = await fetch(`${url.gateway}/idp/token`, {
        method: 'POST',
        body: JSON.stringify({ user }),
      });
      if (!response.ok) throw new Error(`login ${user}: HTTP ${response.status}`);
      return ((await response.json()) as { token: string }).token;
    },
    stop,
  };
}
