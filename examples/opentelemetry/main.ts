/**
 * OpenTelemetry: the passport lives in OTel's context (`otelContextStore`), OTel's own extraction
 * verifies it (`PassportPropagator`), and one trace id and the passport cross two hops:
 * client → orders → payments, both plain node:http services.
 *
 *   node --import tsx main.ts        (or: pnpm --filter @passport-relay-examples/opentelemetry start)
 *
 * Starts two servers on 127.0.0.1, port 0; sends a traced request as alice and one as bob at once,
 * and a forged passport; prints what each hop saw; exits 0 when everything behaved, 1 otherwise.
 */
import { generateKeyPairSync } from 'node:crypto';
import { trace } from '@opentelemetry/api';
import { createRelay, signedCodec } from '@passport-relay/core';
import { otelContextStore } from '@passport-relay/otel';
import { installGlobalFetchPropagation } from '@passport-relay/undici';
import type { Hop } from './services.js';
import { startTelemetry } from './telemetry.js';

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

// 3. The services' relay, on OTel's context: `relay.current()` reads `context.active()`, and
//    OTel's `context.with()` / `context.bind()` carry the passport wherever they carry the trace.
const relay = createRelay({
  codec: signedCodec({ issuer, keys: [{ alg: 'EdDSA', kid: 'edge-1', key: publicKey }] }),
  store: otelContextStore(),
});

// 4. Start the SDK (with PassportPropagator), then the outbound hook: passport-relay carries the
//    passport to allowed hosts; OTel carries the trace everywhere.
const telemetry = startTelemetry(relay);
const uninstallFetchHook = installGlobalFetchPropagation(relay);

// 5. Only now load the app (and node:http with it): OTel patches modules as they are imported.
const { listen, ordersHandler, paymentsHandler } = await import('./services.js');

const payments = await listen(paymentsHandler(relay));
const orders = await listen(ordersHandler(relay, payments.origin));

const tracer = trace.getTracer('example-client');
const problems: string[] = [];
const check = (ok: boolean, problem: string) => {
  if (!ok) problems.push(problem);
};

/** The client: a span of its own, and a request to orders with a passport from the edge. */
function tracedCall(passport: string) {
  return tracer.startActiveSpan('checkout', async (span) => {
    try {
      const response = await fetch(`${orders.origin}/checkout`, {
        headers: { [edge.header]: passport },
      });
      const body = (await response.json()) as Hop[] | { code: string };
      return { traceId: span.spanContext().traceId, status: response.status, body };
    } finally {
      span.end();
    }
  });
}

const clientTraces = new Set<string>();
try {
  console.log('opentelemetry: client → orders (node:http) → payments (node:http), via fetch\n');

  const users = ['alice', 'bob'];
  const calls = await Promise.all(users.map((sub) => tracedCall(edge.issue({ sub }))));
  users.forEach((sub, index) => {
    const { traceId, status, body } = calls[index]!;
    clientTraces.add(traceId);
    const hops = Array.isArray(body) ? body : [];
    console.log(`${sub}: HTTP ${status}, client span in trace ${traceId}`);
    check(status === 200 && hops.length === 2, `${sub}: HTTP ${status}, ${hops.length} hops`);
    for (const hop of hops) {
      const sameTrace = hop.traceId === traceId ? 'same trace' : `OTHER trace ${hop.traceId}`;
      console.log(`  ${hop.service.padEnd(9)} relay.current(): sub=${hop.sub}, ${sameTrace}`);
      check(hop.sub === sub, `${sub}: ${hop.service} saw sub=${hop.sub}`);
      check(hop.traceId === traceId, `${sub}: ${hop.service} is in trace ${hop.traceId}`);
    }
  });
  check(clientTraces.size === 2, 'alice and bob shared a trace');

  // A passport signed with another key: OTel's extraction does not throw; orders reads the reason
  // with passportRefusal() and answers 401.
  const intruderKey = generateKeyPairSync('ed25519').privateKey;
  const intruder = createRelay({
    codec: signedCodec({
      issuer,
      keys: [{ alg: 'EdDSA', kid: 'edge-1', key: intruderKey }],
      signingKey: { alg: 'EdDSA', kid: 'edge-1', key: intruderKey },
    }),
  });
  const forged = await tracedCall(intruder.issue({ sub: 'alice' }));
  clientTraces.add(forged.traceId);
  const code = Array.isArray(forged.body) ? 'accepted!' : forged.body.code;
  console.log(`forged passport for alice: HTTP ${forged.status} ${code}`);
  check(forged.status === 401, `forged passport: HTTP ${forged.status}, not 401`);
} catch (error) {
  problems.push(`the example failed: ${String(error)}`);
} finally {
  uninstallFetchHook();
  await Promise.all([orders.close(), payments.close()]);
  // Every span OTel recorded (client, server and fetch spans of both hops) belongs to one of the
  // client's traces: the trace never broke at a hop.
  const recorded = telemetry.traceIds();
  console.log(`spans recorded in ${recorded.size} traces, one per client request`);
  check(
    recorded.size === clientTraces.size && [...recorded].every((id) => clientTraces.has(id)),
    `spans in ${recorded.size} traces for ${clientTraces.size} client requests`,
  );
  await telemetry.shutdown();
}

if (problems.length === 0) {
  console.log('\nOK: each hop saw its own caller in its own trace; the forgery was refused');
} else {
  console.log(`\nFAILED:\n  ${problems.join('\n  ')}`);
  process.exitCode = 1;
}
