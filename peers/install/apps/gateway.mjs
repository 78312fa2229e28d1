// The gateway README's Express quick start: the user's JWT (from a local JWKS) becomes a minted
// passport that business code reads and an allowed downstream receives.

import { generateKeyPairSync } from 'node:crypto';
import { createRelay, signedCodec } from '@passport-relay/core';
import { createGateway } from '@passport-relay/gateway';
import { gatewayMiddleware } from '@passport-relay/gateway/express';
import express from 'express';
import { announce, downstream } from './common.mjs';

const edge = generateKeyPairSync('ed25519');
const relay = createRelay({
  codec: signedCodec({
    issuer: 'https://edge.shop.example',
    signingKey: {
      alg: 'EdDSA',
      kid: '2026-01',
      key: edge.privateKey.export({ type: 'pkcs8', format: 'pem' }),
    },
    keys: [
      { alg: 'EdDSA', kid: '2026-01', key: edge.publicKey.export({ type: 'spki', format: 'pem' }) },
    ],
  }),
});
const gateway = createGateway({
  relay,
  jwks: JSON.parse(process.env.USER_JWKS),
  issuer: 'https://login.example.com/',
  audience: 'shop-api',
  algorithms: ['EdDSA'],
});
const stock = await downstream();
const app = express();
app.use(gatewayMiddleware(gateway));
app.use(async (_req, res) => {
  const headers = Object.fromEntries(relay.outboundHeaders(stock.url) ?? []);
  await (await fetch(stock.url, { headers })).text();
  const [minted] = stock.seen.splice(0);
  res.json({
    owner: relay.current()?.sub,
    downstreamVerified: relay.extract({ passport: minted }).passport.sub,
  });
});
const server = app.listen(0, '127.0.0.1', () => announce(server.address().port));
