// The nats README's quick start: a request inside a request; the responder runs as the caller.
import { createRelay, signedCodec } from '@passport-relay/core';
import { installNatsPassport, subscribeWithPassport } from '@passport-relay/nats';
import { connect } from 'nats';
import { coreServer, PUBLIC_KEYS } from './common.mjs';

const relay = createRelay({
  codec: signedCodec({ issuer: 'https://edge.example', keys: PUBLIC_KEYS }),
});
const responder = await connect({ servers: process.env.NATS_URL });
const client = await connect({ servers: process.env.NATS_URL });
installNatsPassport(relay, client, { propagateTo: ['profile.*'] });
subscribeWithPassport(relay, responder, 'profile.get', (msg) =>
  msg.respond(JSON.stringify({ owner: relay.require().sub })),
);
await responder.flush();
coreServer(relay, async () =>
  (await client.request('profile.get', '', { timeout: 10_000 })).json(),
);
