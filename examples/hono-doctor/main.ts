/**
 * Hono + the propagation doctor: `orders` (Hono on @hono/node-server) reads the caller with
 * `c.get('passport')` and calls `inventory` (Hono) with global fetch, which is hooked. One route
 * also calls a "legacy SDK" that brings its own undici Agent, which nobody hooked: its request
 * leaves without the passport, and the doctor names it.
 *
 *   node --import tsx main.ts        (or: pnpm --filter @passport-relay-examples/hono-doctor start)
 *
 * Starts two servers on loopback, port 0; calls orders as alice and bob at once, then the report
 * route as alice, then with no passport; prints what each hop saw and what the doctor found; exits
 * 0 when everything behaved.
 */
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { createRelay, signedCodec } from '@passport-relay/core';
import { installPropagationDoctor } from '@passport-relay/doctor';
import { type PassportEnv, passportRelay } from '@passport-relay/hono';
import { installGlobalFetchPropagation } from '@passport-relay/undici';
import { Hono } from 'hono';
import { Agent, request } from 'undici';

const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const issuer = 'https://edge.example';
const keys = [{ alg: 'EdDSA' as const, kid: 'edge-1', key: publicKey }];
const edge = createRelay({
  codec: signedCodec({
    issuer,
    keys,
    signingKey: { alg: 'EdDSA', kid: 'edge-1', key: privateKey },
  }),
});
const relay = createRelay({ codec: signedCodec({ issuer, keys }), propagateTo: ['127.0.0.1'] });

// At start-up, in development: the hook for global fetch, and the doctor watching for requests
// that no hook decided. `warn` could be `true` (a process warning per origin); here it prints.
const uninstallFetchHook = installGlobalFetchPropagation(relay);
const doctor = installPropagationDoctor(relay, {
  warn: (finding) =>
    console.log(
      `  doctor: ${finding.method} ${finding.origin}${finding.path} (${finding.client}) was not decided`,
    ),
});

// A "legacy SDK" with its own connection pool: a second undici dispatcher nobody hooked.
const legacyAgent = new Agent();

async function serve(app: Hono<PassportEnv>) {
  const server = createAdaptorServer({ fetch: app.fetch }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const inventoryApp = new Hono<PassportEnv>();
inventoryApp.use(passportRelay(relay)); // optional here, so the legacy call is answered, anonymously
inventoryApp.get('*', (c) => c.json({ sub: c.get('passport')?.sub ?? null }));
const inventory = await serve(inventoryApp);

const ordersApp = new Hono<PassportEnv>();
ordersApp.use(passportRelay(relay, { required: true }));
ordersApp.get('/orders', async (c) => {
  const stock = (await (await fetch(`${inventory.origin}/stock`)).json()) as { sub: string | null };
  return c.json({ orders: c.get('passport')?.sub, inventory: stock.sub });
});
ordersApp.get('/report', async (c) => {
  const legacy = await request(`${inventory.origin}/legacy-report`, { dispatcher: legacyAgent });
  const seen = (await legacy.body.json()) as { sub: string | null };
  return c.json({ orders: relay.require().sub, legacy: seen.sub });
});
const orders = await serve(ordersApp);

const problems: string[] = [];
const check = (ok: boolean, problem: string) => {
  if (!ok) problems.push(problem);
};
const call = async (path: string, sub?: string) => {
  const headers: Record<string, string> = sub ? { passport: edge.issue({ sub }) } : {};
  const response = await fetch(`${orders.origin}${path}`, { headers });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

try {
  console.log('hono-doctor: client → orders (Hono) ─fetch (hooked)→ inventory (Hono)');
  console.log(
    '                                 └─legacy SDK (own undici Agent, unhooked)→ inventory\n',
  );

  const both = await Promise.all(
    ['alice', 'bob'].map(async (sub) => ({ sub, ...(await call('/orders', sub)) })),
  );
  for (const { sub, status, body } of both) {
    console.log(`${sub} /orders: HTTP ${status} ${JSON.stringify(body)}`);
    check(
      body.orders === sub && body.inventory === sub,
      `${sub}: hops saw ${JSON.stringify(body)}`,
    );
  }
  console.log(`doctor after /orders: ${JSON.stringify(doctor.counts)}`);
  check(
    doctor.counts.undecided === 0 && doctor.counts.decided === 2,
    `doctor: ${JSON.stringify(doctor.counts)}`,
  );

  const report = await call('/report', 'alice');
  console.log(`alice /report: HTTP ${report.status} ${JSON.stringify(report.body)}`);
  check(report.body.legacy === null, 'the legacy call carried a passport');
  check(
    doctor.counts.undecided === 1,
    `doctor found ${doctor.counts.undecided} undecided, expected 1`,
  );
  check(
    doctor.undecided[0]?.path === '/legacy-report' && doctor.undecided[0].client === 'undici',
    `doctor: ${JSON.stringify(doctor.undecided)}`,
  );
  try {
    doctor.assertEveryCallDecided();
    check(false, 'assertEveryCallDecided did not throw');
  } catch (error) {
    console.log(`assertEveryCallDecided: ${(error as Error).message.split('\n')[0]}`);
  }

  const anonymous = await call('/orders');
  console.log(`anonymous /orders: HTTP ${anonymous.status} ${anonymous.body.code}`);
  check(anonymous.status === 401, `anonymous: HTTP ${anonymous.status}`);
} catch (error) {
  problems.push(`the example failed: ${String(error)}`);
} finally {
  doctor.uninstall();
  uninstallFetchHook();
  await legacyAgent.close();
  await Promise.all([orders.close(), inventory.close()]);
}

if (problems.length === 0) {
  console.log('\nOK: every hop saw its own caller; the doctor found the one unhooked client');
} else {
  console.log(`\nFAILED:\n  ${problems.join('\n  ')}`);
  process.exitCode = 1;
}
