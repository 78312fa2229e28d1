/**
 * Nest 12 (platform-express) + axios: `orders` reads the caller through `PassportService` and calls
 * `inventory` with axios; `inventory` reads it with `@CurrentPassport()`.
 *
 *   node --import tsx main.ts        (or: pnpm --filter @passport-relay-examples/nest-axios start)
 *
 * Starts two Nest apps on 127.0.0.1, port 0; sends requests as alice and bob at once and one with
 * no passport; prints what each hop saw; exits 0 when everything behaved, 1 otherwise.
 */
import 'reflect-metadata'; // Nest's decorators need it, before any decorated class is loaded
import { generateKeyPairSync } from 'node:crypto';
import type { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { installAxiosPropagation } from '@passport-relay/axios';
import { createRelay, signedCodec } from '@passport-relay/core';
import axios from 'axios';
import { type Hop, inventoryModule } from './inventory.js';
import { ordersModule } from './orders.js';

// 1. Keys. The edge signs passports with an Ed25519 private key; services hold the public key only.
//    In production they read it from configuration (a JWKS); here a pair is made per run.
const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const issuer = 'https://edge.example';

// 2. The edge's relay, which can mint passports (examples/gateway shows a real edge).
const edge = createRelay({
  codec: signedCodec({
    issuer,
    keys: [{ alg: 'EdDSA', kid: 'edge-1', key: publicKey }],
    signingKey: { alg: 'EdDSA', kid: 'edge-1', key: privateKey },
  }),
});

// 3. The services' relay: verify only. Default `propagateTo`: in-cluster names and loopback.
const relay = createRelay({
  codec: signedCodec({ issuer, keys: [{ alg: 'EdDSA', kid: 'edge-1', key: publicKey }] }),
});

// 4. Once, at start-up, BEFORE anything calls axios.create(): the default instance and every
//    instance created from it afterwards carry the caller's passport to allowed hosts.
const uninstallAxiosHook = installAxiosPropagation(relay, { axios });

/** Start a Nest app on 127.0.0.1, port 0. Nest's own logs: errors and warnings only. */
async function start(module: DynamicModule) {
  const app = await NestFactory.create(module, { logger: ['error', 'warn'] });
  await app.listen(0, '127.0.0.1');
  return { app, origin: await app.getUrl() };
}

const apps: INestApplication[] = [];
const problems: string[] = [];
const check = (ok: boolean, problem: string) => {
  if (!ok) problems.push(problem);
};
const users = [
  { sub: 'alice', roles: ['admin'] },
  { sub: 'bob', roles: ['viewer'] },
];

try {
  const inventory = await start(inventoryModule(relay));
  apps.push(inventory.app);
  const orders = await start(ordersModule(relay, inventory.origin));
  apps.push(orders.app);

  console.log(
    'nest-axios: client → orders (Nest, PassportService) → inventory (Nest, @CurrentPassport)',
  );
  console.log('            orders → inventory: axios.create() instance\n');

  // The edge's side: mint a passport per user and call orders, both users at once.
  const journeys = await Promise.all(
    users.map(async (user) => {
      const response = await fetch(`${orders.origin}/orders`, {
        headers: { [edge.header]: edge.issue(user) },
      });
      const hops = response.ok ? ((await response.json()) as Hop[]) : [];
      return { user, status: response.status, hops };
    }),
  );
  for (const { user, status, hops } of journeys) {
    console.log(`${user.sub}: HTTP ${status}`);
    check(status === 200 && hops.length === 2, `${user.sub}: HTTP ${status}, ${hops.length} hops`);
    for (const hop of hops) {
      console.log(`  ${hop.service.padEnd(10)} sub=${hop.sub} roles=${JSON.stringify(hop.roles)}`);
      check(hop.sub === user.sub, `${user.sub}: ${hop.service} saw sub=${hop.sub}`);
      check(
        JSON.stringify(hop.roles) === JSON.stringify(user.roles),
        `${user.sub}: ${hop.service} saw roles=${JSON.stringify(hop.roles)}`,
      );
    }
  }

  // No passport: the module refuses it (required: true) before the controller runs.
  const anonymous = await fetch(`${orders.origin}/orders`);
  const problem = (await anonymous.json()) as { code?: string };
  console.log(`anonymous: HTTP ${anonymous.status} ${problem.code}`);
  check(anonymous.status === 401, `anonymous: HTTP ${anonymous.status}, not 401`);
} catch (error) {
  problems.push(`the example failed: ${String(error)}`);
} finally {
  uninstallAxiosHook();
  await Promise.all(apps.map((app) => app.close()));
}

if (problems.length === 0) {
  console.log('\nOK: orders and inventory each saw their own caller');
} else {
  console.log(`\nFAILED:\n  ${problems.join('\n  ')}`);
  process.exitCode = 1;
}
