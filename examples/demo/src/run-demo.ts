/**
 * The demo: start every service as its own Node process on loopback, send requests as two users at
 * once plus a forged and an anonymous one, and report each request's journey.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { flatten, type Hop, type HopReport, partnerOf } from './journey.js';

const here = dirname(fileURLToPath(import.meta.url));

export interface RequestJourney {
  readonly user: string;
  readonly status: number;
  readonly hops: Hop[];
  readonly partner: { readonly receivedPassport: boolean } | undefined;
}

export interface DemoResult {
  readonly ok: boolean;
  readonly requests: RequestJourney[];
  readonly partner: { readonly receivedPassport: boolean; readonly requests: number };
  readonly forged: { readonly status: number; readonly code: string | undefined };
  readonly anonymous: { readonly status: number; readonly code: string | undefined };
  readonly checks: { readonly name: string; readonly ok: boolean }[];
}

interface Running {
  readonly name: string;
  readonly child: ChildProcess;
  readonly port: number;
}

const STARTUP_TIMEOUT_MS = 30_000;

function start(name: string, env: Record<string, string>): Promise<Running> {
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
    const timer = setTimeout(
      () => reject(new Error(`${name} did not start in time\n${stderr}`)),
      STARTUP_TIMEOUT_MS,
    );
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it was ready\n${stderr}`));
    });
    child.on('message', (message: { ready?: boolean; port?: number }) => {
      if (message.ready && message.port) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({ name, child, port: message.port });
      }
    });
  });
}

async function stopAll(running: Running[]): Promise<void> {
  await Promise.all(
    running.map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 3_000).unref();
        }),
    ),
  );
}

async function json(response: Response): Promise<Record<string, unknown>> {
  const text = await response.text();
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { text };
  }
}

/** A passport an attacker signs with a key of their own, claiming to be an admin. */
function forgePassport(): string {
  const attacker = generateKeyPairSync('ed25519');
  const now = Math.floor(Date.now() / 1000);
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${part({ alg: 'EdDSA', kid: 'demo-1', typ: 'JWT' })}.${part({
    sub: 'mallory',
    roles: ['admin'],
    iss: 'https://gateway.demo',
    iat: now,
    exp: now + 300,
  })}`;
  return `${input}.${sign(null, Buffer.from(input), attacker.privateKey).toString('base64url')}`;
}

export async function runDemo(): Promise<DemoResult> {
  // The passport keys: the gateway alone gets the private half.
  const passportKeys = generateKeyPairSync('ed25519');
  const jwks = JSON.stringify({
    keys: [{ ...passportKeys.publicKey.export({ format: 'jwk' }), kid: 'demo-1', alg: 'EdDSA' }],
  });
  const signingJwk = JSON.stringify({
    ...passportKeys.privateKey.export({ format: 'jwk' }),
    kid: 'demo-1',
  });
  const running: Running[] = [];
  const stopOnSignal = () => void stopAll(running).then(() => process.exit(130));
  process.once('SIGINT', stopOnSignal);
  try {
    // The partner API stands on 127.0.0.2: loopback, but not on the services' allowlist.
    const partner = await start('partner', { HOST: '127.0.0.2' });
    running.push(partner);
    const url = (service: Running, host = '127.0.0.1') => `http://${host}:${service.port}`;
    const shared = { HOST: '127.0.0.1', PASSPORT_JWKS: jwks, PASSPORT_PROPAGATE_TO: '127.0.0.1' };
    const users = await start('users', {
      ...shared,
      EXTERNAL_URL: `${url(partner, '127.0.0.2')}/enrich`,
    });
    running.push(users);
    const payments = await start('payments', { ...shared, USERS_URL: url(users) });
    running.push(payments);
    const orders = await start('orders', { ...shared, PAYMENTS_URL: url(payments) });
    running.push(orders);
    const gateway = await start('gateway', {
      ...shared,
      PASSPORT_SIGNING_JWK: signingJwk,
      ORDERS_URL: url(orders),
    });
    running.push(gateway);

    // The demo identity provider lives in the gateway process; log in as two users.
    const login = async (user: string) =>
      (
        await json(
          await fetch(`${url(gateway)}/idp/token`, {
            method: 'POST',
            body: JSON.stringify({ user }),
          }),
        )
      ).token as string;
    const tokens = { alice: await login('alice'), bob: await login('bob') };

    // Both users at the same time, interleaved.
    const order = ['alice', 'bob', 'alice', 'bob', 'bob', 'alice'] as const;
    const requests = await Promise.all(
      order.map(async (user, index): Promise<RequestJourney> => {
        const response = await fetch(`${url(gateway)}/checkout`, {
          method: 'POST',
          headers: { authorization: `Bearer ${tokens[user]}`, 'content-type': 'application/json' },
          body: JSON.stringify({ item: `book-${index}` }),
        });
        const report = (await json(response)) as unknown as HopReport;
        return { user, status: response.status, hops: flatten(report), partner: partnerOf(report) };
      }),
    );

    // A forged passport sent straight to an internal service, past the gateway.
    const forgedResponse = await fetch(`${url(orders)}/checkout`, {
      method: 'POST',
      headers: { passport: forgePassport(), 'content-type': 'application/json' },
      body: '{}',
    });
    const forged = {
      status: forgedResponse.status,
      code: (await json(forgedResponse)).code as string | undefined,
    };

    // No token at all.
    const anonymousResponse = await fetch(`${url(gateway)}/checkout`, {
      method: 'POST',
      body: '{}',
    });
    const anonymous = {
      status: anonymousResponse.status,
      code: (await json(anonymousResponse)).code as string | undefined,
    };

    const partnerReport = (await json(await fetch(`${url(partner, '127.0.0.2')}/report`))) as {
      receivedPassport: boolean;
      requests: number;
    };

    const services = ['gateway', 'orders', 'payments', 'users'];
    const checks = [
      { name: 'every request succeeded', ok: requests.every((r) => r.status === 200) },
      {
        name: 'every hop of every request saw its own user, verified',
        ok: requests.every(
          (r) =>
            r.hops.map((h) => h.service).join() === services.join() &&
            r.hops.every((h) => h.sub === r.user && (h.service === 'gateway' || h.verified)),
        ),
      },
      {
        name: 'the partner API received no passport',
        ok: !partnerReport.receivedPassport && partnerReport.requests === requests.length,
      },
      {
        name: 'the forged passport was refused (401, bad signature)',
        ok: forged.status === 401 && forged.code === 'ERR_PASSPORT_SIGNATURE',
      },
      { name: 'the anonymous request was refused (401)', ok: anonymous.status === 401 },
    ];
    return {
      ok: checks.every((check) => check.ok),
      requests,
      partner: partnerReport,
      forged,
      anonymous,
      checks,
    };
  } finally {
    process.removeListener('SIGINT', stopOnSignal);
    await stopAll(running);
  }
}
