/**
 * CloudEvents, as a Knative Broker delivers them: `orders` emits `order.created` with the caller's
 * passport as the `passport` extension attribute; a notifier sink on Express (binary mode, the
 * `ce-passport` header) and an audit sink on Fastify (structured mode) run as that caller. A
 * forged passport gets 401 and the handler never runs; a sink off the list gets no passport.
 *
 *   node --import tsx main.ts   (or: pnpm --filter @passport-relay-examples/cloudevents-knative start)
 *
 * Everything over HTTP on loopback, port 0: no broker to install. Exits 0 when all behaved.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import {
  expressCloudEventSink,
  registerCloudEventSink,
  withPassport,
} from '@passport-relay/cloudevents';
import { createRelay, signedCodec } from '@passport-relay/core';
import { createTestRelay } from '@passport-relay/testing';
import { CloudEvent, HTTP } from 'cloudevents';
import express from 'express';
import Fastify from 'fastify';

// 1. The edge (mints; the test kit makes its keys here) and the services' relay (public key only).
//    propagateTo: in a cluster the default (e.g. broker-ingress.knative-eventing.svc.cluster.local)
//    fits; here 127.0.0.1 stands for the cluster and `localhost` for a partner outside it.
const edge = createTestRelay({ issuer: 'https://edge.example' });
const relay = createRelay({
  codec: signedCodec({ issuer: edge.issuer, keys: [edge.verificationKey!] }),
  propagateTo: ['127.0.0.1'],
});

const seen: string[] = [];
// 2. A Knative sink on Express: POST / receives the event, verified, run as its caller.
const notifier = express();
notifier.post(
  '/',
  expressCloudEventSink(relay, (event) => {
    const caller = relay.require();
    console.log(
      `  notifier (Express): ${event.type} ${JSON.stringify(event.data)} as sub=${caller.sub}`,
    );
    seen.push(`notifier:${caller.sub}`);
  }),
);
const notifierServer = notifier.listen(0, '127.0.0.1');
await once(notifierServer, 'listening');
const notifierUrl = `http://127.0.0.1:${(notifierServer.address() as AddressInfo).port}/`;

// 3. The same on Fastify.
const audit = Fastify();
registerCloudEventSink(audit, relay, (event) => {
  console.log(`  audit (Fastify): ${event.type} as sub=${relay.require().sub}`);
  seen.push(`audit:${relay.require().sub}`);
});
const auditUrl = `${await audit.listen({ port: 0, host: '127.0.0.1' })}/`;

// 4. A partner outside the cluster: records what it receives.
const partnerReceived: string[] = [];
const partner = express();
partner.post('/', (req, res) => {
  partnerReceived.push(req.headers['ce-passport'] === undefined ? 'no passport' : 'PASSPORT');
  res.status(202).end();
});
const partnerServer = partner.listen(0, 'localhost');
await once(partnerServer, 'listening');
const partnerUrl = `http://localhost:${(partnerServer.address() as AddressInfo).port}/`;

const problems: string[] = [];
const check = (ok: boolean, problem: string) => {
  if (!ok) problems.push(problem);
};
const send = (url: string, message: { headers: object; body: unknown }) =>
  fetch(url, {
    method: 'POST',
    headers: message.headers as Record<string, string>,
    body: message.body as string,
  });

try {
  console.log(
    'cloudevents-knative: orders ─order.created (ce-passport)→ notifier (Express), audit (Fastify)\n',
  );
  // What the orders service does in a request handler, for alice and bob at once.
  await Promise.all(
    ['alice', 'bob'].map((sub) =>
      relay.runWith(relay.extract({ passport: edge.relay.issue({ sub }) }), async () => {
        const event = new CloudEvent({
          type: 'shop.order.created',
          source: '/orders',
          data: { by: sub },
        });
        const toNotifier = withPassport(relay, event, notifierUrl);
        const toAudit = withPassport(relay, event, auditUrl);
        const toPartner = withPassport(relay, event, partnerUrl);
        const statuses = [
          (await send(notifierUrl, HTTP.binary(toNotifier))).status,
          (await send(auditUrl, HTTP.structured(toAudit))).status,
          (await send(partnerUrl, HTTP.binary(toPartner))).status,
        ];
        check(
          statuses.every((status) => status === 202),
          `${sub}: sinks answered ${statuses}`,
        );
      }),
    ),
  );

  const forged = new CloudEvent({
    type: 'shop.order.created',
    source: '/orders',
    data: { by: 'mallory' },
    passport: createTestRelay({ issuer: edge.issuer }).relay.issue({ sub: 'mallory' }),
  });
  const refused = await send(notifierUrl, HTTP.binary(forged));
  const problem = (await refused.json()) as { code: string };
  console.log(`forged event: HTTP ${refused.status} ${problem.code}`);
  check(
    refused.status === 401 && problem.code === 'ERR_PASSPORT_SIGNATURE',
    `forged: ${refused.status}`,
  );
  console.log(`partner (off the list) received: ${partnerReceived.join(', ')}`);

  check(
    ['notifier:alice', 'notifier:bob', 'audit:alice', 'audit:bob'].every((entry) =>
      seen.includes(entry),
    ) && seen.length === 4,
    `sinks saw: ${seen}`,
  );
  check(
    partnerReceived.length === 2 && !partnerReceived.includes('PASSPORT'),
    'the partner received a passport',
  );
} catch (error) {
  problems.push(`the example failed: ${String(error)}`);
} finally {
  notifierServer.closeAllConnections();
  partnerServer.closeAllConnections();
  notifierServer.close();
  partnerServer.close();
  await audit.close();
}

if (problems.length === 0) {
  console.log(
    '\nOK: every event ran as its caller; the forged one got 401; the partner got no passport',
  );
} else {
  console.log(`\nFAILED:\n  ${problems.join('\n  ')}`);
  process.exitCode = 1;
}
