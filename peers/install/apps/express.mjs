import { createRelay, signedCodec } from '@passport-relay/core';
import { passportRelay } from '@passport-relay/express';
import express from 'express';
import { announce, PUBLIC_KEYS } from './common.mjs';

const relay = createRelay({
  codec: signedCodec({ issuer: 'https://edge.example', keys: PUBLIC_KEYS }),
});
const app = express();
app.use(passportRelay(relay, { required: (req) => req.path !== '/healthz' }));
app.use(express.json());
app.get('/healthz', (_req, res) => res.send('ok'));
app.get('/orders', (_req, res) => {
  const { sub } = relay.require();
  res.json({ owner: sub, orders: [] });
});
const server = app.listen(0, '127.0.0.1', () => announce(server.address().port));
