/**
 * The edge. It verifies the user's token once, mints the passport, and calls `orders` with plain
 * `fetch`: the passport goes along because propagation is installed, not because this code
 * passes it. For the demo it also hosts a tiny identity provider whose keys are generated at
 * start-up (in Kubernetes, USER_TOKEN_JWKS_URI points at your real one instead).
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import { createRelay, signedCodec, TRACING_HEADERS } from '@passport-relay/core';
import {
  createGateway,
  createKeyRing,
  createLocalTts,
  generatePassportKey,
  JWKS_PATH,
  type KeyRing,
} from '@passport-relay/gateway';
import { gatewayMiddleware, jwksHandler } from '@passport-relay/gateway/express';
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
const numberEnv = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);
const ttlSeconds = numberEnv('PASSPORT_TTL_SECONDS');

// With PASSPORT_KEY_RING=1 the passport keys live in a key ring published at JWKS_PATH, and
// services fetch them from there (PASSPORT_JWKS_URL), so the key rotates without a restart.
const ring: KeyRing | undefined =
  process.env.PASSPORT_KEY_RING === '1'
    ? createKeyRing({
        keys: [{ key: { kid: signingJwk.kid, privateJwk: signingJwk } }],
        propagationMs: numberEnv('PASSPORT_KEY_PROPAGATION_MS') ?? 330_000,
        retentionMs: numberEnv('PASSPORT_KEY_RETENTION_MS') ?? 330_000,
      })
    : undefined;
/** How many passports each key signed: the rotation test reads it from /admin/keys. */
const signedBy: Record<string, number> = {};
const txnTokens = config.format() === 'txn-token';
// Txn-Token mode: the edge is a local Transaction Token Service. Its relay verifies Txn-Tokens like
// every service's, and the local TTS mints one per request with the same Ed25519 key.
const relay = txnTokens
  ? serviceRelay()
  : createRelay({
      codec: signedCodec({
        issuer: config.issuer(),
        ...(ttlSeconds === undefined ? {} : { ttlSeconds }),
        ...(ring
          ? {
              keys: ring,
              signingKey: {
                currentSigningKey() {
                  const key = ring.currentSigningKey();
                  signedBy[key.kid as string] = (signedBy[key.kid as string] ?? 0) + 1;
                  return key;
                },
              },
            }
          : {
              keys: JSON.parse(env('PASSPORT_JWKS')),
              signingKey: { alg: 'EdDSA', kid: signingJwk.kid, key: signingJwk },
            }),
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
  // Short-lived passports (the rotation test) are still reused until a second before they expire.
  ...(ttlSeconds === undefined ? {} : { cache: { marginSeconds: 1 } }),
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

if (ring) {
  // Public, before the gateway middleware: services fetch it without a user token.
  app.get(JWKS_PATH, jwksHandler(ring));
  if (process.env.PASSPORT_KEY_ADMIN === '1') mountKeyAdmin(ring);
}

/**
 * Demo and test only (PASSPORT_KEY_ADMIN=1, loopback): drive the ring over HTTP. A real edge
 * runs these steps from its deployment tooling, with the same rules enforced by the ring.
 */
function mountKeyAdmin(keys: KeyRing): void {
  const step = (run: (kid: string) => unknown) => (req: express.Request, res: express.Response) => {
    try {
      res.json(run(String(req.body?.kid)));
    } catch (error) {
      res.status(409).json({ error: (error as Error).message });
    }
  };
  const admin = express.Router().use(express.json({ type: () => true }));
  admin.get('/keys', (_req, res) => res.json({ keys: keys.status(), signedBy, now: Date.now() }));
  admin.post(
    '/keys/publish',
    step(() => keys.publish(generatePassportKey())),
  );
  admin.post(
    '/keys/activate',
    step((kid) => keys.activate(kid)),
  );
  admin.post(
    '/keys/retire',
    step((kid) => keys.retire(kid)),
  );
  app.use('/admin', admin);
}

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
