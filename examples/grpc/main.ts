/**
 * gRPC: `orders` reads the caller with `relay.require()` and calls `billing`; the passport travels
 * in gRPC metadata, and not to a `partner` target off the list.
 *
 *   node --import tsx main.ts        (or: pnpm --filter @passport-relay-examples/grpc start)
 *
 * Starts three gRPC servers on loopback, port 0; calls orders as alice and bob at once (unary and
 * server-streaming) and once with no passport; prints what each hop saw; exits 0 when everything
 * behaved, 1 otherwise.
 */
import { generateKeyPairSync } from 'node:crypto';
import { Metadata, status } from '@grpc/grpc-js';
import { createRelay, signedCodec } from '@passport-relay/core';
import { addBilling, addOrders, client, type Hop, serve } from './services.js';

// 1. Keys: the edge signs passports with an Ed25519 private key; services hold the public key.
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

// 2. The services' relay: verify only; carry passports to 127.0.0.1 only, so the partner, reached
//    as `localhost`, counts as a third party.
const relay = createRelay({ codec: signedCodec({ issuer, keys }), propagateTo: ['127.0.0.1'] });

const billing = await serve(addBilling(relay, 'billing'), { relay });
const partner = await serve(addBilling(relay, 'partner'), { host: 'localhost' });
const billingClient = client(relay, 'Billing', billing.target);
const partnerClient = client(relay, 'Billing', partner.target);
const orders = await serve(addOrders(relay, billingClient, partnerClient), { relay });
// The test client plays the edge: it sends the passports the edge mints.
const ordersClient = client(edge, 'Orders', orders.target);

const users = ['alice', 'bob'];
const problems: string[] = [];
const check = (ok: boolean, problem: string) => {
  if (!ok) problems.push(problem);
};
const asCaller = (sub: string) => {
  const metadata = new Metadata();
  metadata.set(edge.header, edge.issue({ sub }));
  return metadata;
};

try {
  console.log('grpc: client → orders ─gRPC→ billing (dns:///127.0.0.1, allowed)');
  console.log('                    └─gRPC→ partner (dns:///localhost, off the list)\n');

  const journeys = await Promise.all(
    users.map(
      (sub) =>
        new Promise<{ sub: string; hops: Hop[] }>((resolve, reject) =>
          ordersClient.place(
            { item: 'book' },
            asCaller(sub),
            (error: Error | null, reply: { hops: Hop[] }) =>
              error ? reject(error) : resolve({ sub, hops: reply.hops }),
          ),
        ),
    ),
  );
  for (const { sub, hops } of journeys) {
    console.log(`${sub}: Place OK`);
    for (const hop of hops) {
      console.log(
        `  ${hop.service.padEnd(8)} relay.current(): sub=${hop.sub || '(none)'}  received a passport: ${hop.receivedPassport ? 'yes' : 'no'}`,
      );
    }
    const [here, billed, partnered] = hops;
    check(here?.sub === sub, `${sub}: orders saw ${here?.sub}`);
    check(billed?.sub === sub && billed.receivedPassport, `${sub}: billing saw ${billed?.sub}`);
    check(partnered?.receivedPassport === false, `${sub}: the partner received a passport`);
  }

  for (const sub of users) {
    const steps: Hop[] = [];
    for await (const step of ordersClient.track(
      { item: 'book' },
      asCaller(sub),
    ) as AsyncIterable<Hop>) {
      steps.push(step);
    }
    console.log(
      `${sub}: Track streamed ${steps.map((step) => `${step.service} as ${step.sub}`).join(', ')}`,
    );
    check(
      steps.length === 2 && steps.every((step) => step.sub === sub),
      `${sub}: Track saw ${JSON.stringify(steps)}`,
    );
  }

  const refused = await new Promise<{ code: number; error: string }>((resolve) =>
    ordersClient.place(
      { item: 'book' },
      new Metadata(),
      (error: { code: number; metadata: Metadata }) =>
        resolve({ code: error?.code, error: String(error?.metadata.get('passport-error')[0]) }),
    ),
  );
  console.log(`anonymous: ${status[refused.code]} ${refused.error}`);
  check(refused.code === status.UNAUTHENTICATED, `anonymous: got status ${refused.code}`);
} catch (error) {
  problems.push(`the example failed: ${String(error)}`);
} finally {
  for (const c of [ordersClient, billingClient, partnerClient]) c.close();
  await Promise.all([orders.close(), billing.close(), partner.close()]);
}

if (problems.length === 0) {
  console.log('\nOK: every hop saw its own caller; the partner received no passport');
} else {
  console.log(`\nFAILED:\n  ${problems.join('\n  ')}`);
  process.exitCode = 1;
}
