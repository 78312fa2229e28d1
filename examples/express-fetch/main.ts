/**
 * Express + global fetch: `orders` reads the caller with `relay.current()` and calls `inventory`
 * with plain `fetch`; the passport goes along to `inventory` and not to a third party.
 *
 *   node --import tsx main.ts        (or: pnpm --filter @passport-relay-examples/express-fetch start)
 *
 * Starts three servers on 127.0.0.1 / localhost, port 0; sends requests as alice and bob at once
 * and one with no passport; prints what each hop saw; exits 0 when everything behaved, 1 otherwise.
 */
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRelay, signedCodec } from '@passport-relay/core';
import { installGlobalFetchPropagation } from '@passport-relay/undici';
import { type Hop, inventoryApp, ordersApp, partnerHandler } from './services.js';

// 1. Keys. The edge (a gateway: see examples/gateway) signs passports with an Ed25519 private key;
//    services get the public key only, so a compromised service cannot mint one. In production the
//    services read it from configuration (a JWKS); here a fresh pair is made at every start.
const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const issuer = 'https://edge.example';
const verificationKeys = [{ alg: 'EdDSA' as const, kid: 'edge-1', key: publicKey }];

// 2. The edge's relay: it can mint (issue) passports. It plays the gateway in this example.
const edge = createRelay({
  codec: signedCodec({
    issuer,
    keys: verificationKeys,
    signingKey: { alg: 'EdDSA', kid: 'edge-1', key: privateKey },
  }),
});

// 3. The services' relay: verifies with the public key only. `propagateTo` says where outbound
//    calls may carry the passport. The default (in-cluster names such as `inventory` or
//    `*.svc.cluster.local`, and loopback) fits Kubernetes; this example narrows it to 127.0.0.1, so
//    the partner, reached as `localhost`, counts as a third party.
const relay = createRelay({
  codec: signedCodec({ issuer, keys: verificationKeys }),
  propagateTo: ['127.0.0.1'],
});

// 4. Once, at start-up: every global `fetch` to an allowed host carries the caller's passport.
const uninstallFetchHook = installGlobalFetchPropagation(relay);

/** Start `handler` on `host`, port 0 (the OS picks a free port). */
async function listen(handler: RequestListener, host = '127.0.0.1') {
  const server = createServer(handler).listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://${host}:${port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const partner = await listen(partnerHandler, 'localhost');
const inventory = await listen(inventoryApp(relay));
const orders = await listen(
  ordersApp(relay, { inventory: inventory.origin, partner: partner.origin }),
);

const users = [
  { sub: 'alice', tenant: 'acme', roles: ['admin'] },
  { sub: 'bob', tenant: 'globex', roles: ['viewer'] },
];
const problems: string[] = [];
const check = (ok: boolean, problem: string) => {
  if (!ok) problems.push(problem);
};

try {
  console.log('express-fetch: client → orders (Express) ─fetch→ inventory (Express)');
  console.log('                                  └─fetch→ partner (third party)\n');

  // The edge mints a passport per user and calls orders; both users at once, so the hops of one
  // request could see the other's passport if context were shared (it is not).
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
    console.log(`${user.sub} (tenant ${user.tenant}): HTTP ${status}`);
    check(status === 200, `${user.sub}: orders answered ${status}`);
    for (const hop of hops) {
      if (hop.headers) {
        const got = hop.headers.includes(relay.header);
        console.log(`  ${hop.service.padEnd(10)} received a passport: ${got ? 'YES' : 'no'}`);
        check(!got, `${user.sub}: the partner received a passport`);
      } else {
        console.log(
          `  ${hop.service.padEnd(10)} relay.current(): sub=${hop.sub} tenant=${hop.tenant}`,
        );
        check(hop.sub === user.sub, `${user.sub}: ${hop.service} saw sub=${hop.sub}`);
        check(hop.tenant === user.tenant, `${user.sub}: ${hop.service} saw tenant=${hop.tenant}`);
      }
    }
    check(hops.length === 3, `${user.sub}: expected 3 hops, got ${hops.length}`);
  }

  // No passport at all: the middleware refuses before any handler runs.
  const anonymous = await fetch(`${orders.origin}/orders`);
  const problem = (await anonymous.json()) as { code?: string };
  console.log(`anonymous: HTTP ${anonymous.status} ${problem.code}`);
  check(anonymous.status === 401, `anonymous: orders answered ${anonymous.status}, not 401`);
} catch (error) {
  problems.push(`the example failed: ${String(error)}`);
} finally {
  uninstallFetchHook();
  await Promise.all([orders.close(), inventory.close(), partner.close()]);
}

if (problems.length === 0) {
  console.log('\nOK: every hop saw its own caller; the partner received no passport');
} else {
  console.log(`\nFAILED:\n  ${problems.join('\n  ')}`);
  process.exitCode = 1;
}
