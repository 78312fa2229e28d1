/**
 * The edge. It verifies the user's token once, mints the passport, and calls `orders` with plain
 * `fetch`: the passport goes along because propagation is installed, not because this code
 * passes it. For the demo it also hosts a tiny identity provider whose keys are generated at
 * start-up (in Kubernetes, USER_TOKEN_JWKS_URI points at your real one instead).
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import { createRelay, signedCodec, TRACING_HEADERS } from '@passport-relay/core';
import { createGateway, createLocalTts } from '@passport-relay/gateway';
import { gatewayMiddleware } from '@passport-relay/gateway/express';
import { installGlobalFetchPropagation } from '@passport-relay/undici';
import express from 'express';
import { SignJWT } from 'jose';
import {
  config,
  DOWNSTREAM_TIMEOUT_MS,
  downstreamFailed,
  env,
  hop,
  serve,
  serviceRelay,
} from '../service-kit.js';

// --- the demo identity provider -----------------------------------------------------------
const IDP_ISSUER = process.env.USER_TOKEN_ISSUER ?? 'https://idp.passport-demo';
const idpKeys = generateKeyPairSync('ed25519');
const idpJwk = { ...idpKeys.publicKey.export({ format: 'jwk' }), kid: 'idp-1', alg: 'EdDSA' };
const people: Record<string, { email: string; name: string; roles: string[]; tenant: string }> = {
  alice: { email: 'alice@example.com', name: 'Alice', roles: ['buyer'], tenant: 'acme' },
  bob: { email: 'bob@example.com', name: 'Bob', roles: ['buyer', 'admin'], tenant: 'globex' },
};
/** Anyone else who logs in gets a made-up profile (the load tests log in fifty users). */
function profileOf(user: string) {
  if (!/^[a-z][a-z0-9-]{0,31}$/.test(user)) return undefined;
  return (
    people[user] ?? { email: `${user}@example.com`, name: user, roles: ['buyer'], tenant: 'acme' }
  );
}

// --- the edge -------------------------------------------------------------------------------
const signingJwk = JSON.parse(env('PASSPORT_SIGNING_JWK'));
const propagateTo = config.propagateTo();
const txnTokens = config.format() === 'txn-token';
// Txn-Token mode: the edge is a local Transaction Token Service. Its relay verifies Txn-Tokens like
// every service's, and the local TTS mints one per request with the same Ed25519 key.
const relay = txnTokens
  ? serviceRelay()
  : createRelay({
      codec: signedCodec({
        issuer: config.issuer(),
        keys: JSON.parse(env('PASSPORT_JWKS')),
        signingKey: { alg: 'EdDSA', kid: signingJwk.kid, key: signingJwk },
      }),
      forwardHeaders: TRACING_HEADERS,
      ...(propagateTo ? { propagateTo } : {}),
    });
const jwksUri = process.env.USER_TOKEN_JWKS_URI;
const gateway = createGateway({
  relay,
  ...(txnTokens
    ? {
        txnToken: createLocalTts({
          signingKey: { alg: 'EdDSA', kid: signingJwk.kid, key: signingJwk },
          trustDomain: config.trustDomain(),
          workloadId: 'gateway.passport-demo',
        }),
      }
    : {}),
  ...(jwksUri ? { jwksUrl: jwksUri } : { jwks: { keys: [idpJwk] } }),
  issuer: IDP_ISSUER,
  audience: 'passport-demo',
  algorithms: ['EdDSA'],
});
installGlobalFetchPropagation(relay);

const ORDERS_URL = env('ORDERS_URL');
const app = express();

app.post('/idp/token', express.json({ type: () => true }), async (req, res) => {
  const user = String(req.body?.user);
  const person = profileOf(user);
  if (!person) return void res.status(404).json({ error: 'no such user' });
  const token = await new SignJWT({ ...person, scope: 'checkout' })
    .setProtectedHeader({ alg: 'EdDSA', kid: 'idp-1' })
    .setSubject(user)
    .setIssuer(IDP_ISSUER)
    .setAudience('passport-demo')
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(idpKeys.privateKey);
  res.json({ token });
});

app.use(gatewayMiddleware(gateway));
app.use(express.json());

app.post('/checkout', async (req, res, next) => {
  try {
    const response = await fetch(`${ORDERS_URL}/checkout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(req.body ?? {}),
      signal: AbortSignal.timeout(DOWNSTREAM_TIMEOUT_MS),
    });
    res
      .status(response.status)
      .json({ hop: hop(relay, 'gateway', 'express', 'fetch'), next: await response.json() });
  } catch (error) {
    next(error);
  }
});

app.use(
  (_error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const { status, body } = downstreamFailed('gateway');
    res.status(status).json(body);
  },
);

serve(createServer(app));
