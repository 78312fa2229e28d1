/**
 * Child-process entry: one echo service (`ECHO_FRAMEWORK`: express, fastify or nest) that verifies
 * passports against the edge's public key or secret (`PASSPORT_JWK`, `PASSPORT_ISSUER`), on a
 * loopback port it chooses and prints as `LISTENING <port>`. SIGTERM closes it.
 */
import { createRelay, signedCodec, TRACING_HEADERS } from '@passport-relay/core';
import { LISTENING } from './child-service.js';
import { ECHO_SERVERS, type EchoFramework } from './echo-servers.js';

const framework = process.env.ECHO_FRAMEWORK as EchoFramework;
const start = ECHO_SERVERS[framework];
if (start === undefined)
  throw new Error(`ECHO_FRAMEWORK must be one of ${Object.keys(ECHO_SERVERS)}`);
const relay = createRelay({
  codec: signedCodec({
    issuer: process.env.PASSPORT_ISSUER ?? '',
    keys: [JSON.parse(process.env.PASSPORT_JWK ?? '{}')],
  }),
  forwardHeaders: TRACING_HEADERS,
});
const server = await start(relay);
process.once('SIGTERM', () => {
  setTimeout(() => process.exit(0), 2_000).unref();
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
console.log(`${LISTENING} ${server.port}`);
