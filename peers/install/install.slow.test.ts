// Every install line in every package's README, run with npm as a user would, against the packed
// packages, in a fresh scratch app; then `npm ls` must be clean and an app written the README's way
// must serve a caller with a real passport on the Node under test.
//
// The packages are not on the registry, so each scratch app maps every `@passport-relay/*` name to
// its tarball with npm `overrides`, and each `@passport-relay/x` in a README command is replaced by
// its tarball. `pnpm add` lines run as `npm install`. Everything else comes from the registry.
//
// npm and the app both run on process.execPath, the Node under test: npm's choice of versions
// depends on it (see `npm` below). Installing is slow, so each scratch app is cached under
// node_modules/.cache/passport-relay-install/apps by a hash of its commands, the Node major and the
// tarballs' bytes; a later run on that Node (ACF off, or the next CI run) only runs `npm ls` and
// the app. Multi-minute on a cold cache, so this file is `.slow` (CI: oldest and newest Node).
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRelay, signedCodec } from '@passport-relay/core';
import {
  type BrokerServer,
  startNatsServer,
  startRabbitMqServer,
  startRedisServer,
} from '@passport-relay/testing';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allReadmeInstallLines, type ReadmeInstallLine } from './readme-lines.js';
import type { Scenario } from './scenarios.js';
import { SCENARIOS } from './scenarios-list.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const cache = join(root, 'node_modules', '.cache', 'passport-relay-install');
const appsSource = join(here, 'apps');
const nodeMajor = Number(process.versions.node.split('.')[0]);
const NPM_INSTALL = ['install', '--no-audit', '--no-fund', '--prefer-offline'];

const readmeLines = allReadmeInstallLines(root);

const matches = (pattern: string | RegExp, command: string) =>
  typeof pattern === 'string' ? pattern === command : pattern.test(command);

/** The README lines a scenario runs, in its order; throws when one is no longer in the README. */
function linesOf(scenario: Scenario): ReadmeInstallLine[] {
  return scenario.lines.map((pattern) => {
    const line = readmeLines.find(
      (candidate) => candidate.readme === scenario.readme && matches(pattern, candidate.command),
    );
    if (!line) throw new Error(`${scenario.readme} no longer has the install line ${pattern}`);
    return line;
  });
}

describe('README install lines', () => {
  it('are each run by a scenario below (a new line must get one)', () => {
    const untested = readmeLines.filter(
      (line) =>
        !SCENARIOS.some(
          (scenario) =>
            scenario.readme === line.readme &&
            scenario.lines.some((pattern) => matches(pattern, line.command)),
        ),
    );
    expect(
      untested.map((line) => `${line.readme}:${line.line}: ${line.command}`),
      'add a scenario to peers/install/scenarios-list.ts for each',
    ).toEqual([]);
    // And no scenario names a line its README lost.
    for (const scenario of SCENARIOS) expect(() => linesOf(scenario)).not.toThrow();
  });
});

// ---- the packed packages, once per run ---------------------------------------------------------

/** `@passport-relay/x` → the tarball's path inside the cache, named by its content hash. */
const tarballs = new Map<string, string>();
/** `@passport-relay/x` → the `@passport-relay/*` packages it depends on. */
const dependsOn = new Map<string, string[]>();

beforeAll(() => {
  const packed = mkdtempSync(join(tmpdir(), 'passport-relay-pack-'));
  try {
    // pnpm pack rewrites `workspace:^` to the versions; it packs what is built (`pnpm build` first).
    execFileSync(
      'pnpm',
      ['-r', '--filter', './packages/**', 'pack', '--pack-destination', packed],
      {
        cwd: root,
        stdio: 'pipe',
      },
    );
    mkdirSync(join(cache, 'tarballs'), { recursive: true });
    for (const name of readdirSync(join(root, 'packages')).sort()) {
      const manifest = JSON.parse(
        readFileSync(join(root, 'packages', name, 'package.json'), 'utf8'),
      );
      if (manifest.private) continue;
      const file = `${manifest.name.replace('@', '').replace('/', '-')}-${manifest.version}.tgz`;
      const bytes = readFileSync(join(packed, file));
      if (!existsSync(join(root, 'packages', name, 'dist'))) {
        throw new Error(`packages/${name}/dist is missing: run \`pnpm build\` first`);
      }
      const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
      const target = join(cache, 'tarballs', `${file.slice(0, -4)}-${hash}.tgz`);
      if (!existsSync(target)) copyFileSync(join(packed, file), target);
      tarballs.set(manifest.name, target);
      dependsOn.set(
        manifest.name,
        Object.keys(manifest.dependencies ?? {}).filter((dep) =>
          dep.startsWith('@passport-relay/'),
        ),
      );
    }
  } finally {
    rmSync(packed, { recursive: true, force: true });
  }
});

// ---- keys: the edge's (passports) and the login provider's (the gateway's user tokens) ----------

const edge = generateKeyPairSync('ed25519');
const edgeRelay = createRelay({
  codec: signedCodec({
    issuer: 'https://edge.example',
    signingKey: { alg: 'EdDSA', kid: '2026-01', key: edge.privateKey },
    keys: [{ alg: 'EdDSA', kid: '2026-01', key: edge.publicKey }],
  }),
});
const login = generateKeyPairSync('ed25519');
const appEnv = {
  PASSPORT_PUBLIC_KEY_PEM: edge.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  PASSPORT_JWKS: JSON.stringify({
    keys: [
      { ...edge.publicKey.export({ format: 'jwk' }), alg: 'EdDSA', kid: '2026-01', use: 'sig' },
    ],
  }),
  USER_JWKS: JSON.stringify({
    keys: [{ ...login.publicKey.export({ format: 'jwk' }), alg: 'EdDSA', kid: 'login-1' }],
  }),
};

// ---- one scratch app per scenario ---------------------------------------------------------------

/** The README command as npm args: tarballs for our packages, `pnpm add`/`yarn add` as install. */
function npmArgs(command: string, appDir: string): string[] {
  const words = command.split(/\s+/).slice(2); // drop `npm install` / `pnpm add` / `npm i`
  return words.map((word) => {
    const name = word.match(/^(@passport-relay\/[a-z-]+)(?:@.*)?$/)?.[1];
    if (!name) return word;
    const tarball = tarballs.get(name);
    if (!tarball) throw new Error(`${word}: no package ${name} in packages/*`);
    return relative(appDir, tarball);
  });
}

// npm runs on the Node under test, as the user's own `npm install` would: npm picks, among the
// versions a range allows, the newest whose `engines` the running Node meets (on Node 20,
// `npm install nestjs-cls` gets 6.x; on Node 22 and later, 7.x), so the tree depends on the Node.
const npmCli = realpathSync(
  execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim(),
);

/**
 * Runs npm without blocking: the tests run concurrently, and a blocked event loop would stall the
 * other tests' apps (their output unread, their timers firing late).
 */
function npm(
  args: readonly string[],
  cwd: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [npmCli, ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      // Without the npm_config_* that `pnpm test` exports: npm reads them as its own settings.
      ...Object.fromEntries(
        Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')),
      ),
      NODE_OPTIONS: '',
      // Install scripts run `node` from PATH: the same Node.
      PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function closure(names: readonly string[]): string[] {
  const found = new Set<string>();
  const visit = (name: string) => {
    if (found.has(name)) return;
    if (!tarballs.has(name)) throw new Error(`${name}: no such package in packages/*`);
    found.add(name);
    for (const dep of dependsOn.get(name) ?? []) visit(dep);
  };
  for (const name of names) visit(name);
  return [...found].sort();
}

/** Installs the scenario's scratch app unless the cache has it; returns its directory. */
async function scratchApp(
  scenario: Scenario,
  lines: readonly ReadmeInstallLine[],
): Promise<string> {
  // Only our packages the lines install, with what they depend on: the key and the overrides name
  // these, so a change to another package's tarball (its README) keeps this app's cache.
  const ours = closure(
    lines.flatMap((line) => line.command.match(/@passport-relay\/[a-z-]+/g) ?? []),
  );
  const key = createHash('sha256')
    .update(
      JSON.stringify({
        before: scenario.before ?? [],
        lines: lines.map((line) => line.command),
        node: nodeMajor,
      }),
    )
    .update(ours.map((name) => tarballs.get(name)).join('\n'))
    .digest('hex')
    .slice(0, 16);
  const appDir = join(cache, 'apps', `${scenario.id}-${key}`);
  const done = join(appDir, '.installed');
  if (existsSync(done)) return appDir;
  rmSync(appDir, { recursive: true, force: true });
  mkdirSync(appDir, { recursive: true });
  const overrides = Object.fromEntries(
    ours.map((name) => [name, `file:${relative(appDir, tarballs.get(name) ?? '')}`]),
  );
  writeFileSync(
    join(appDir, 'package.json'),
    `${JSON.stringify({ name: `scratch-${scenario.id}`, private: true, type: 'module', overrides }, null, 2)}\n`,
  );
  const log: string[] = [];
  const steps = [
    ...(scenario.before ?? []).map((args) => ({ what: 'the app had', args: [...args] })),
    ...lines.map((line) => ({
      what: `${line.readme}:${line.line} \`${line.command}\``,
      args: npmArgs(line.command, appDir),
    })),
  ];
  for (const step of steps) {
    const result = await npm([...NPM_INSTALL, ...step.args], appDir);
    log.push(`$ npm install ${step.args.join(' ')}\n${result.stdout}${result.stderr}`);
    writeFileSync(join(appDir, 'install.log'), log.join('\n'));
    if (result.status !== 0) {
      throw new Error(
        `npm install failed for ${step.what} (exit ${result.status}):\n${result.stderr}`,
      );
    }
  }
  writeFileSync(
    done,
    `${JSON.stringify({ node: process.versions.node, at: new Date().toISOString() })}\n`,
  );
  pruneOlder(scenario.id, appDir);
  return appDir;
}

/** Removes this scenario's older scratch apps installed on this Node major (stale tarballs). */
function pruneOlder(id: string, kept: string) {
  const apps = join(cache, 'apps');
  for (const name of readdirSync(apps)) {
    const dir = join(apps, name);
    if (
      dir === kept ||
      !name.startsWith(`${id}-`) ||
      !/^[0-9a-f]{16}$/.test(name.slice(id.length + 1))
    ) {
      continue;
    }
    const marker = join(dir, '.installed');
    let node: unknown;
    try {
      node = JSON.parse(readFileSync(marker, 'utf8')).node;
    } catch {
      continue; // half-installed, or an older marker: left alone
    }
    if (typeof node === 'string' && Number(node.split('.')[0]) === nodeMajor) {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** The newest `>= X.Y` an installed package's `engines.node` asks for that this Node does not meet. */
function unmetEngines(appDir: string, names: readonly string[]): string | undefined {
  for (const name of names) {
    const file = join(appDir, 'node_modules', name, 'package.json');
    if (!existsSync(file)) continue; // an optional peer the lines did not install
    const manifest = JSON.parse(readFileSync(file, 'utf8'));
    const range = manifest.engines?.node as string | undefined;
    const min = range?.match(/>=\s*(\d+)(?:\.(\d+))?/);
    if (!min) continue;
    const [major, minor] = [Number(min[1]), Number(min[2] ?? 0)];
    const [runningMajor, runningMinor] = process.versions.node.split('.').map(Number) as [
      number,
      number,
    ];
    if (runningMajor < major || (runningMajor === major && runningMinor < minor)) {
      return `${name}@${manifest.version} needs Node ${range} (its engines); this is Node ${process.versions.node}`;
    }
  }
  return undefined;
}

const running = new Set<ChildProcess>();
afterAll(() => {
  for (const child of running) child.kill();
});

/** Starts the app on the Node under test and resolves with its port once it listens. */
/** The environment variable through which each broker's URL reaches an app. */
const BROKER_ENV = { redis: 'REDIS_URL', rabbitmq: 'AMQP_URL', nats: 'NATS_URL' } as const;
const brokerUrls = new Map<keyof typeof BROKER_ENV, string>();
const brokers: BrokerServer[] = [];
const BROKER_STARTERS = {
  redis: startRedisServer,
  rabbitmq: startRabbitMqServer,
  nats: startNatsServer,
} as const;

beforeAll(async () => {
  const kinds = new Set(SCENARIOS.flatMap((scenario) => scenario.brokers ?? []));
  for (const kind of kinds) {
    const broker = await BROKER_STARTERS[kind]();
    brokers.push(broker);
    brokerUrls.set(kind, broker.url);
  }
}, 120_000);
afterAll(async () => {
  await Promise.all(brokers.map((broker) => broker.close()));
});

function startApp(
  scenario: Scenario,
  appDir: string,
): Promise<{ port: number; output: () => string }> {
  for (const file of ['common.mjs', scenario.app, ...(scenario.extraFiles ?? [])]) {
    copyFileSync(join(appsSource, file), join(appDir, file));
  }
  const brokerEnv = Object.fromEntries(
    (scenario.brokers ?? []).map((kind) => [BROKER_ENV[kind], brokerUrls.get(kind)]),
  );
  const child = spawn(process.execPath, [...(scenario.nodeArgs ?? []), scenario.app], {
    cwd: appDir,
    env: { ...process.env, ...appEnv, ...brokerEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the app did not listen in 60 s:\n${output}`)),
      60_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const port = output.match(/LISTENING (\d+)/)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve({ port: Number(port), output: () => output });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the app exited with ${code} before listening:\n${output}`));
    });
  });
}

async function userToken(): Promise<string> {
  return new SignJWT({ email: 'user-42@example.com' })
    .setProtectedHeader({ alg: 'EdDSA', kid: 'login-1' })
    .setSubject('user-42')
    .setIssuer('https://login.example.com/')
    .setAudience('shop-api')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(login.privateKey);
}

for (const scenario of SCENARIOS) {
  const lines = (() => {
    try {
      return linesOf(scenario);
    } catch {
      return [];
    }
  })();
  const named = lines.map((line) => `${line.readme}:${line.line} \`${line.command}\``).join(' + ');
  const context = scenario.before ? ` (app already has ${scenario.before.flat().join(' ')})` : '';
  it.concurrent(`${named}${context}: npm ls is clean and the app serves a caller (${scenario.id})`, async (ctx) => {
    expect(lines, `${scenario.readme} lost a line this scenario runs`).toHaveLength(
      scenario.lines.length,
    );
    const appDir = await scratchApp(scenario, lines);

    const ls = await npm(['ls', '--all'], appDir);
    expect(ls.status, `npm ls in ${appDir}:\n${ls.stdout}${ls.stderr}`).toBe(0);

    const unmet = unmetEngines(appDir, scenario.engines ?? []);
    if (unmet) ctx.skip(`npm ls clean; the app is not run: ${unmet}`);

    if (scenario.cli) {
      const bin = join(appDir, 'node_modules', '.bin', scenario.cli.bin);
      const result = spawnSync(process.execPath, [bin, ...scenario.cli.args], {
        cwd: appDir,
        encoding: 'utf8',
      });
      expect(result.status, result.stderr).toBe(0);
      scenario.check({ status: 0, body: { stdout: result.stdout } }, '');
      return;
    }

    const { port, output } = await startApp(scenario, appDir);
    const token =
      scenario.id === 'gateway'
        ? await userToken()
        : edgeRelay.issue({ sub: 'user-42', tenant: 't1' });
    const headers =
      scenario.id === 'gateway' ? { authorization: `Bearer ${token}` } : { passport: token };
    const response = await fetch(`http://127.0.0.1:${port}/orders`, { headers });
    const text = await response.text();
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`the app answered ${response.status} ${text}\n${output()}`);
    }
    try {
      scenario.check({ status: response.status, body }, token);
    } catch (error) {
      throw new Error(`${(error as Error).message}\napp output:\n${output()}`);
    }
  });
}
