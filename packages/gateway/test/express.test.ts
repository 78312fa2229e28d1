import type { KeyObject } from 'node:crypto';
import { type IncomingHttpHeaders, request } from 'node:http';
import type { PassportFields, Relay } from '@passport-relay/core';
import {
  type LoopbackServer,
  listenOnLoopback,
  type RecordingServer,
  startRecordingServer,
} from '@passport-relay/testing';
import express from 'express';
import { jwtVerify } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayMiddlewareOptions, gatewayMiddleware } from '../src/express.js';
import { createGateway, type Gateway, type GatewayOptions } from '../src/index.js';
import {
  bearer,
  bearerRefusals,
  createIdentityProvider,
  createRelays,
  type IdentityProvider,
  send,
} from './helpers.js';

let idp: IdentityProvider;
let upstream: RecordingServer;
beforeAll(async () => {
  idp = await createIdentityProvider();
  upstream = await startRecordingServer();
});
afterAll(async () => {
  await upstream.close();
});

interface App {
  readonly origin: string;
  readonly gateway: Gateway;
  readonly downstream: Relay;
  /** The edge's Ed25519 public key, for jose. */
  readonly edgePublicKey: KeyObject;
  /** `req.headers` as every finished request left them, refused ones included. */
  readonly finished: IncomingHttpHeaders[];
}

let server: LoopbackServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const HOP_BY_HOP = new Set([
  'host',
  'connection',
  'keep-alive',
  'content-length',
  'transfer-encoding',
]);

/**
 * An Express gateway in front of the recording upstream: it proxies each request with fetch,
 * forwarding the request's raw headers (so the minted passport travels because the middleware put
 * it there, and a client one would travel if it were not stripped), and answers with what the
 * upstream received and what the handler saw.
 */
async function startGateway(
  overrides: Partial<GatewayOptions<PassportFields, express.Request>> = {},
  middlewareOptions: GatewayMiddlewareOptions<express.Request> = {},
): Promise<App> {
  const { edge, downstream } = createRelays();
  const gateway = createGateway<PassportFields, express.Request>({
    relay: edge.relay,
    jwks: idp.jwks,
    issuer: idp.issuer,
    audience: idp.audience,
    algorithms: ['ES256'],
    ...overrides,
  });
  const { relay } = gateway;
  const app = express();
  app.use(gatewayMiddleware(gateway, middlewareOptions));
  app.use(async (req, res) => {
    // A naive proxy: forwards every raw request header, as received by the app.
    const headers = new Headers();
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i]!;
      if (!HOP_BY_HOP.has(name.toLowerCase())) headers.append(name, req.rawHeaders[i + 1]!);
    }
    const response = await fetch(`${upstream.origin}${req.url}`, { headers });
    const received = (await response.json()) as { headers: IncomingHttpHeaders };
    res.json({
      upstream: received.headers,
      requestHeader: req.headers[relay.header] ?? null,
      current: relay.current() ?? null,
    });
  });
  const finished: IncomingHttpHeaders[] = [];
  server = await listenOnLoopback((req, res) => {
    res.on('finish', () => finished.push({ ...req.headers }));
    app(req, res);
  });
  return {
    origin: server.origin,
    gateway,
    downstream,
    edgePublicKey: (edge.verificationKey as { key: KeyObject }).key,
    finished,
  };
}

describe('Express gatewayMiddleware', () => {
  it('sends the upstream a passport that verifies with public keys only and with jose', async () => {
    const app = await startGateway();
    const reply = await send(`${app.origin}/orders`, bearer(await idp.token({ sub: 'user-1' })));
    expect(reply.status).toBe(200);
    const value = reply.json.upstream.passport as string;
    expect(app.downstream.verify(value)).toMatchObject({ sub: 'user-1' });
    const { payload } = await jwtVerify(value, app.edgePublicKey, {
      issuer: 'https://edge.test',
      algorithms: ['EdDSA'],
    });
    expect(payload.sub).toBe('user-1');
  });

  it('sets the minted passport on req.headers and makes it the context of the handler', async () => {
    const app = await startGateway();
    const reply = await send(`${app.origin}/me`, bearer(await idp.token({ sub: 'user-1' })));
    expect(reply.json.requestHeader).toBe(reply.json.upstream.passport);
    expect(reply.json.current).toMatchObject({ sub: 'user-1' });
  });

  it('keeps the context through express.json() when the body arrives after parsing has begun', async () => {
    const { edge } = createRelays();
    const gateway = createGateway({
      relay: edge.relay,
      jwks: idp.jwks,
      issuer: idp.issuer,
      audience: idp.audience,
      algorithms: ['ES256'],
    });
    let parsingStarts!: () => void;
    const started = new Promise<void>((resolve) => {
      parsingStarts = resolve;
    });
    const app = express();
    app.use(gatewayMiddleware(gateway));
    app.use((_req, _res, next) => {
      parsingStarts();
      next();
    });
    app.use(express.json());
    app.post('/orders', (req, res) => {
      res.json({ body: req.body, current: edge.relay.current() ?? null });
    });
    server = await listenOnLoopback(app);
    const { origin } = server;
    const token = await idp.token({ sub: 'user-1' });
    const reply = await new Promise<{ body: unknown; current: unknown }>((resolve, reject) => {
      const req = request(`${origin}/orders`, {
        method: 'POST',
        headers: { ...bearer(token), 'content-type': 'application/json' },
      });
      req.on('error', reject);
      req.on('response', (res) => {
        let text = '';
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => resolve(JSON.parse(text)));
      });
      req.write('{"item":');
      // The rest is sent only once express.json() is reading, so it arrives from the socket later.
      started.then(() => req.end('"book"}'), reject);
    });
    expect(reply.body).toEqual({ item: 'book' });
    expect(reply.current).toMatchObject({ sub: 'user-1' });
  });

  it('mints what an async toPassport returns, given the Express request', async () => {
    const app = await startGateway({
      async toPassport(claims, req) {
        await new Promise((resolve) => setImmediate(resolve));
        return { sub: String(claims.sub), plan: 'gold', path: req.path };
      },
    });
    const reply = await send(`${app.origin}/profile`, bearer(await idp.token({ sub: 'user-2' })));
    expect(app.downstream.verify(reply.json.upstream.passport)).toMatchObject({
      sub: 'user-2',
      plan: 'gold',
      path: '/profile',
    });
  });

  describe('refuses with 401, a Bearer challenge and a problem body, never calling the upstream', () => {
    it.each(bearerRefusals(() => idp))('%s', async (_, makeHeaders, code, bearerError) => {
      const app = await startGateway({ realm: 'shop' });
      const headers = await makeHeaders();
      const before = upstream.requests.length;
      const reply = await send(`${app.origin}/orders`, headers);
      expect(reply.status).toBe(401);
      expect(reply.headers['content-type']).toBe('application/problem+json');
      expect(reply.headers['www-authenticate']).toMatch(
        bearerError === undefined
          ? /^Bearer realm="shop"$/
          : new RegExp(`^Bearer realm="shop", error="${bearerError}", error_description="[^"]+"$`),
      );
      expect(reply.json).toMatchObject({ status: 401, code });
      for (const value of Object.values(headers).flat()) {
        const token = String(value).split(' ')[1]!;
        expect(reply.text).not.toContain(token);
      }
      expect(upstream.requests.length).toBe(before);
    });
  });

  it('sends the upstream only the minted passport when the client sent its own', async () => {
    const app = await startGateway();
    const forged = app.gateway.relay.issue({ sub: 'admin' });
    await send(`${app.origin}/orders`, {
      ...bearer(await idp.token({ sub: 'user-1' })),
      passport: forged,
    });
    const received = upstream.requests.at(-1)!;
    const passports = received.rawHeaders.filter(
      (_, i, raw) => i % 2 === 0 && raw[i]!.toLowerCase() === 'passport',
    );
    expect(passports).toHaveLength(1);
    expect(received.headers.passport).not.toBe(forged);
    expect(app.downstream.verify(received.headers.passport as string).sub).toBe('user-1');
  });

  it('strips client passports in any header casing, and stripHeaders, from the request', async () => {
    const app = await startGateway({ stripHeaders: ['x-user-id'] });
    const reply = await send(`${app.origin}/orders`, {
      ...bearer(await idp.token({ sub: 'user-1' })),
      PassPort: 'forged-1',
      PASSPORT: 'forged-2',
      'X-User-Id': 'admin',
    });
    expect(reply.status).toBe(200);
    expect(reply.json.upstream['x-user-id']).toBeUndefined();
    expect(app.downstream.verify(reply.json.upstream.passport).sub).toBe('user-1');
    expect(app.finished.at(-1)!['x-user-id']).toBeUndefined();
  });

  it('strips the client passport from a refused request before answering', async () => {
    const app = await startGateway();
    const before = upstream.requests.length;
    const reply = await send(`${app.origin}/orders`, { Passport: 'forged', 'x-Request-Id': 'r1' });
    expect(reply.status).toBe(401);
    expect(app.finished.at(-1)).not.toHaveProperty('passport');
    expect(app.finished.at(-1)).toHaveProperty('x-request-id', 'r1');
    expect(upstream.requests.length).toBe(before);
  });

  it('sends the upstream the same passport for the same token', async () => {
    const app = await startGateway();
    const token = await idp.token({ sub: 'user-1' });
    const first = await send(`${app.origin}/a`, bearer(token));
    const second = await send(`${app.origin}/b`, bearer(token));
    expect(second.json.upstream.passport).toBe(first.json.upstream.passport);
  });

  it('lets anonymous routes through without a token, and without any client passport', async () => {
    const app = await startGateway({}, { required: (req) => !req.url.startsWith('/public') });
    const open = await send(`${app.origin}/public/catalog`, { passport: 'forged' });
    const closed = await send(`${app.origin}/private`, {});
    expect(open.status).toBe(200);
    expect(open.json.upstream.passport).toBeUndefined();
    expect(open.json.current).toBeNull();
    expect(closed.status).toBe(401);
  });
});
