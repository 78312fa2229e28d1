import { createRelay, signedCodec } from '@passport-relay/core';
import { passportRelay } from '@passport-relay/fastify';
import Fastify from 'fastify';
import { announce, PUBLIC_KEYS } from './common.mjs';

const relay = createRelay({
  codec: signedCodec({ issuer: 'https://edge.example', keys: PUBLIC_KEYS }),
});
const app = Fastify();
await app.register(passportRelay, { relay, required: (request) => request.url !== '/healthz' });
app.get('/healthz', async () => 'ok');
app.get('/orders', async (request) => ({
  owner: request.passport?.sub,
  alsoHere: relay.require().sub,
}));
await app.listen({ port: 0, host: '127.0.0.1' });
announce(app.server.address().port);
