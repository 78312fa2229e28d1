/**
 * Fastify + npm undici: `orders` charges through `payments` with undici's `request` and a pooled
 * dispatcher composed with `passportInterceptor`. Four checkouts by two users at once share ONE
 * pooled connection; each charge still reaches `payments` as its own caller.
 *
 *   node --import tsx main.ts        (or: pnpm --filter @passport-relay-examples/fastify-undici start)
 *
 * Starts two Fastify servers on 127.0.0.1, port 0; prints what each hop saw; sends a forged
 * passport too; exits 0 when everything behaved, 1 otherwise.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createRelay, signedCodec } from '@passport-relay/core';
import { type Hop, ordersApp, paymentsApp, paymentsClient } from './services.js';

// 1. Keys. The edge signs passports with an Ed25519 private key; services hold the public key only.
//    In production the services read it from configuration (a JWKS); here a pair is made per run.
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

// 4. Start payments, its client (the composed pool), then orders. Port 0: the OS picks.
const payments = await paymentsApp(relay);
const paymentsOrigin = await payments.listen({ port: 0, host: '127.0.0.1' });
const paymentsPool = paymentsClient(relay, paymentsOrigin);
const orders = await ordersApp(relay, paymentsPool, paymentsOrigin);
const ordersOrigin = await orders.listen({ port: 0, host: '127.0.0.1' });

const checkouts = [
  { sub: 'alice', order: 'A-1' },
  { sub: 'bob', order: 'B-1' },
  { sub: 'alice', order: 'A-2' },
  { sub: 'bob', order: 'B-2' },
];
const problems: string[] = [];
const check = (ok: boolean, problem: string) => {
  if (!ok) problems.push(problem);
};

/** The client side: POST /checkout with a passport header (the edge's job in production). */
async function checkout(passport: string, order: string) {
  const response = await fetch(`${ordersOrigin}/checkout?order=${order}`, {
    method: 'POST',
    headers: { [edge.header]: passport },
  });
  const body = (await response.json()) as Hop[] | { code: string };
  return { status: response.status, body };
}

try {
  console.log('fastify-undici: client → orders (Fastify) → payments (Fastify)');
  console.log('                orders → payments: undici request(), Pool with 1 connection\n');

  // All four at once: three of the four charges wait in the pool's queue.
  const results = await Promise.all(
    checkouts.map(async ({ sub, order }) => ({
      sub,
      order,
      ...(await checkout(edge.issue({ sub }), order)),
    })),
  );
  for (const { sub, order, status, body } of results) {
    const hops = Array.isArray(body) ? body : [];
    const seen = hops.map((hop) => `${hop.service} saw ${hop.sub}`).join(', ');
    console.log(`${sub.padEnd(5)} order ${order}: HTTP ${status}, ${seen}`);
    check(status === 200 && hops.length === 2, `${sub} ${order}: HTTP ${status}`);
    for (const hop of hops) {
      check(hop.sub === sub, `${sub} ${order}: ${hop.service} saw ${hop.sub}`);
      check(hop.order === order, `${sub} ${order}: ${hop.service} handled ${hop.order}`);
    }
  }

  // A passport minted with someone else's key (same kid, wrong key): refused, 401.
  const intruderKey = generateKeyPairSync('ed25519').privateKey;
  const intruder = createRelay({
    codec: signedCodec({
      issuer,
      keys: [{ alg: 'EdDSA', kid: 'edge-1', key: intruderKey }],
      signingKey: { alg: 'EdDSA', kid: 'edge-1', key: intruderKey },
    }),
  });
  const forged = await checkout(intruder.issue({ sub: 'alice' }), 'X-1');
  const code = Array.isArray(forged.body) ? 'accepted!' : forged.body.code;
  console.log(`forged passport for alice: HTTP ${forged.status} ${code}`);
  check(forged.status === 401, `forged passport: HTTP ${forged.status}, not 401`);
} catch (error) {
  problems.push(`the example failed: ${String(error)}`);
} finally {
  await paymentsPool.close();
  await Promise.all([orders.close(), payments.close()]);
}

if (problems.length === 0) {
  console.log('\nOK: every charge reached payments as its own caller; the forgery was refused');
} else {
  console.log(`\nFAILED:\n  ${problems.join('\n  ')}`);
  process.exitCode = 1;
}
