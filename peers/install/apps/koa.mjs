import { createRelay, signedCodec } from '@passport-relay/core';
import { passportRelay } from '@passport-relay/koa';
import Koa from 'koa';
import { announce, PUBLIC_KEYS } from './common.mjs';

const relay = createRelay({
  codec: signedCodec({ issuer: 'https://edge.example', keys: PUBLIC_KEYS }),
});
const app = new Koa();
app.use(passportRelay(relay, { required: (ctx) => ctx.path !== '/healthz' }));
app.use((ctx) => {
  ctx.body = { owner: ctx.state.passport?.sub, alsoHere: relay.require().sub };
});
const server = app.listen(0, '127.0.0.1', () => announce(server.address().port));
