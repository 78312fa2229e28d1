/**
 * The edge: an Express gateway (@passport-relay/gateway) verifies the user's JWT against a JWKS,
 * mints a passport and proxies to `orders`, which reads it.
 *
 *   node --import tsx main.ts        (or: pnpm --filter @passport-relay-examples/gateway start)
 *
 * Starts the gateway and `orders` on 127.0.0.1, port 0, with an identity provider's keys made at
 * start-up; calls the gateway as alice and bob, with a passport of alice's smuggled in (with bob's
 * token, and without a token on a public route), and with no token; prints what `orders` saw; exits
 * 0 when everything behaved, 1 otherwise.
 */
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRelay, signedCodec } from '@passport-relay/core';
import { createGateway } from '@passport-relay/gateway';
import { API_AUDIENCE, IDP_ISSUER, startIdentityProvider } from './identity-provider.js';
import { gatewayApp, ordersApp } from './services.js';

// 1. The identity provider users log in with (a stand-in, with a JWKS made at start-up).
const idp = startIdentityProvider();

// 2. Passport keys: the gateway signs with the Ed25519 private key; services get the public key.
const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const passportIssuer = 'https://gateway.example';
const publicKeys = [{ alg: 'EdDSA' as const, kid: 'edge-1', key: publicKey }];

// 3. The gateway's relay (it mints) and the gateway: every option pinned, checked at start-up.
const edge = createRelay({
  codec: signedCodec({
    issuer: passportIssuer,
    keys: publicKeys,
    signingKey: { alg: 'EdDSA', kid: 'edge-1', key: privateKey },
  }),
});
const gateway = createGateway({
  relay: edge,
  jwks: idp.jwks, // in production: jwksUrl: 'https://login.example.com/.well-known/jwks.json'
  issuer: IDP_ISSUER,
  audience: API_AUDIENCE,
  algorithms: ['ES256'],
  // Your provider's claims → the passport (the default copies sub, email, name, roles, groups,
  // tenant). Runs once per user token: the minted passport is reused while both are valid.
  toPassport: (claims) => ({
    sub: String(claims.sub),
    email: claims.email,
    roles: (claims.realm_access as { roles?: string[] } | undefined)?.roles ?? [],
    tenant: claims.org,
  }),
});

// 4. The service's relay: verify only, with the gateway's public key.
const relay = createRelay({ codec: signedCodec({ issuer: passportIssuer, keys: publicKeys }) });

/** Start `handler` on 127.0.0.1, port 0 (the OS picks a free port). */
async function listen(handler: RequestListener) {
  const server = createServer(handler).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const orders = await listen(ordersApp(relay));
const edgeServer = await listen(gatewayApp(gateway, orders.origin));

const problems: string[] = [];
const check = (ok: boolean, problem: string) => {
  if (!ok) problems.push(problem);
};

interface Seen {
  sub?: string;
  email?: string;
  roles?: string[];
  tenant?: string;
  iss?: string;
  code?: string;
}

/** A client of the gateway: what a browser or mobile app sends. */
async function call(path: string, headers: Record<string, string>) {
  const response = await fetch(`${edgeServer.origin}${path}`, { headers });
  const seen = (await response.json()) as Seen;
  return { status: response.status, seen, challenge: response.headers.get('www-authenticate') };
}

try {
  console.log('gateway: client ─Bearer JWT→ gateway (Express) ─passport→ orders (Express)\n');

  const users = [
    { sub: 'alice', email: 'alice@acme.example', org: 'acme', roles: ['admin'] },
    { sub: 'bob', email: 'bob@globex.example', org: 'globex', roles: ['viewer'] },
  ];
  for (const user of users) {
    const token = await idp.accessToken(user.sub, user);
    const { status, seen } = await call('/orders', { authorization: `Bearer ${token}` });
    console.log(`${user.sub}, Bearer token, GET /orders: HTTP ${status}`);
    console.log(
      `  orders saw sub=${seen.sub} email=${seen.email} roles=${JSON.stringify(seen.roles)} tenant=${seen.tenant} iss=${seen.iss}`,
    );
    check(status === 200, `${user.sub}: HTTP ${status}`);
    check(
      seen.sub === user.sub && seen.email === user.email,
      `${user.sub}: orders saw ${seen.sub}`,
    );
    check(JSON.stringify(seen.roles) === JSON.stringify(user.roles), `${user.sub}: roles`);
    check(seen.tenant === user.org && seen.iss === passportIssuer, `${user.sub}: tenant or iss`);
  }

  // A client that got hold of a genuine passport of alice's sends it along. The gateway strips
  // it: with bob's token, orders sees bob; on a public route without a token, nobody.
  const alicePassport = edge.issue({ sub: 'alice', roles: ['admin'] });
  const bobToken = await idp.accessToken('bob', users[1]!);
  const smuggled = await call('/orders', {
    authorization: `Bearer ${bobToken}`,
    [edge.header]: alicePassport,
  });
  console.log(
    `bob + alice's passport, GET /orders: HTTP ${smuggled.status}, orders saw sub=${smuggled.seen.sub}`,
  );
  check(smuggled.seen.sub === 'bob', `smuggled with bob's token: orders saw ${smuggled.seen.sub}`);
  const open = await call('/catalog', { [edge.header]: alicePassport });
  console.log(
    `no token + alice's passport, GET /catalog: HTTP ${open.status}, orders saw sub=${open.seen.sub}`,
  );
  check(
    open.status === 200 && open.seen.sub === 'anonymous',
    `smuggled without token: ${open.seen.sub}`,
  );

  // No token on a protected route: refused at the edge with an RFC 6750 challenge.
  const anonymous = await call('/orders', {});
  console.log(
    `no token, GET /orders: HTTP ${anonymous.status} ${anonymous.seen.code}, WWW-Authenticate: ${anonymous.challenge}`,
  );
  check(anonymous.status === 401, `no token: HTTP ${anonymous.status}, not 401`);
  check(anonymous.challenge?.startsWith('Bearer') === true, 'no token: no Bearer challenge');
} catch (error) {
  problems.push(`the example failed: ${String(error)}`);
} finally {
  await Promise.all([edgeServer.close(), orders.close()]);
}

if (problems.length === 0) {
  console.log('\nOK: orders saw the user of each token, and never the smuggled passport');
} else {
  console.log(`\nFAILED:\n  ${problems.join('\n  ')}`);
  process.exitCode = 1;
}
