import { serve } from '@hono/node-server';
import { createRelay, signedCodec } from '@passport-relay/core';
import { passportRelay } from '@passport-relay/hono';
import { Hono } from 'hono';
import { announce, PUBLIC_KEYS } from './common.mjs';

const relay = createRelay({
  codec: signedCodec({ issuer: 'https://edge.example', keys: PUBLIC_KEYS }),
});
const app = new Hono();
app.use(passportRelay(relay, { required: (c) => c.req.path !== '/healthz' }));
app.get('/healthz', (c) => c.text('ok'));
app.get('/orders', (c) => c.json({ owner: c.get('passport')?.sub, alsoHere: relay.require().sub }));
serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => announce(info.port));
