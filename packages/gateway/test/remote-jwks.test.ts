import {
  createTestRelay,
  type LoopbackServer,
  listenOnLoopback,
  type RecordingServer,
  startRecordingServer,
} from '@passport-relay/testing';
import express from 'express';
import type { JWK } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gatewayMiddleware } from '../src/express.js';
import { createGateway, type GatewayOptions } from '../src/index.js';
import { createIdentityProvider, send } from './helpers.js';

/** A JWKS endpoint on a loopback port: serves `keys`, or `status` when it is not 200. */
interface JwksServer {
  readonly url: string;
  keys: JWK[];
  status: number;
  fetches: number;
}

let jwksServer: LoopbackServer | undefined;
let jwks: JwksServer;
beforeEach(async () => {
  const state = { keys: [] as JWK[], status: 200, fetches: 0 };
  jwksServer = await listenOnLoopback((req, res) => {
    state.fetches++;
    if (req.url !== '/.well-known/jwks.json' || state.status !== 200) {
      res.writeHead(state.status === 200 ? 404 : state.status).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/jwk-set+json' });
    res.end(JSON.stringify({ keys: state.keys }));
  });
  jwks = Object.assign(state, { url: `${jwksServer.origin}/.well-known/jwks.json` });
});
afterEach(async () => {
  await jwksServer?.close();
});

function remoteOptions(overrides: Partial<GatewayOptions> = {}): GatewayOptions {
  return {
    relay: createTestRelay().relay,
    jwksUrl: jwks.url,
    issuer: 'https://idp.test/',
    audience: 'api',
    algorithms: ['ES256'],
    ...overrides,
  };
}

describe('a remote JWKS (jwksUrl)', () => {
  it('verifies tokens with keys fetched over HTTP, fetching once for many tokens', async () => {
    const idp = await createIdentityProvider();
    jwks.keys = idp.jwks.keys;
    const gateway = createGateway(remoteOptions());
    for (const sub of ['user-1', 'user-2']) {
      const token = await idp.token({ sub });
      const { passport } = await gateway.authenticate({ authorization: `Bearer ${token}` });
      expect(passport.sub).toBe(sub);
    }
    expect(jwks.fetches).toBe(1);
  });

  it('picks up a key published after start when a token names its kid', async () => {
    const first = await createIdentityProvider('https://idp.test/', 'api', 'key-2025');
    const next = await createIdentityProvider('https://idp.test/', 'api', 'key-2026');
    jwks.keys = first.jwks.keys;
    const gateway = createGateway(remoteOptions({ remoteJwks: { cooldownMs: 0 } }));
    await gateway.authenticate({ authorization: `Bearer ${await first.token()}` });
    jwks.keys = [...first.jwks.keys, ...next.jwks.keys];
    const { passport } = await gateway.authenticate({
      authorization: `Bearer ${await next.token({ sub: 'rotated' })}`,
    });
    expect(passport.sub).toBe('rotated');
    expect(jwks.fetches).toBe(2);
  });

  describe('when the JWKS cannot be fetched', () => {
    let upstream: RecordingServer;
    let server: LoopbackServer;
    beforeEach(async () => {
      upstream = await startRecordingServer();
    });
    afterEach(async () => {
      await server.close();
      await upstream.close();
    });

    it('answers 503 ERR_PASSPORT_UNAVAILABLE, with no challenge, and never calls the upstream', async () => {
      const idp = await createIdentityProvider();
      jwks.status = 500;
      const gateway = createGateway(remoteOptions());
      const app = express();
      app.use(gatewayMiddleware(gateway));
      app.use(async (_req, res) => {
        await fetch(upstream.origin);
        res.end();
      });
      server = await listenOnLoopback(app);
      const reply = await send(server.origin, { authorization: `Bearer ${await idp.token()}` });
      expect(reply.status).toBe(503);
      expect(reply.headers['www-authenticate']).toBeUndefined();
      expect(reply.json).toMatchObject({ code: 'ERR_PASSPORT_UNAVAILABLE', status: 503 });
      expect(upstream.requests).toHaveLength(0);
    });
  });
});
