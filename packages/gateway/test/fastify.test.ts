import type { KeyObject } from 'node:crypto';
import { type IncomingHttpHeaders, request } from 'node:http';
import type { PassportFields, Relay } from '@passport-relay/core';
import { type RecordingServer, startRecordingServer } from '@passport-relay/testing';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { jwtVerify } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayPluginOptions, gatewayPlugin } from '../src/fastify.js';
import { createGateway, type Gateway, type GatewayOptions } from '../src/index.js';
import {
  bearer,
  bearerRefusals,
  createIdentityProvider,
  createRelays,
  type IdentityProvider,
  send,
} from './helpers.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    public?: boolean;
  }
}

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
  readonly fastify: FastifyInstance;
  readonly origin: string;
  readonly gateway: Gateway;
  readonly downstream: Relay;
  readonly edgePublicKey: KeyObject;
  /** `request.headers` as each response left them, refused requests included. */
  readonly responded: IncomingHttpHeaders[];
}

let app: App | undefined;
afterEach(async () => {
  await app?.fastify.close();
  app = undefined;
});

/** Proxy with fetch, forwarding the passport header of the request as the app sees it. */
async function proxy(request: FastifyRequest, header: string) {
  const value = request.headers[header];
  const headers: Record<string, string> = typeof value === 'string' ? { [header]: value } : {};
  const response = await fetch(`${upstream.origin}${request.url}`, { headers });
  return ((await response.json()) as { headers: IncomingHttpHeaders }).headers;
}

/**
 * A Fastify gateway in front of the recording upstream: each route proxies with fetch, forwarding
 * `request.headers.passport` (so a client one would travel if it were not stripped), and answers
 * with what the upstream received and what the handler saw, context included.
 */
async function startGateway(
  overrides: Partial<GatewayOptions<PassportFields, FastifyRequest>> = {},
  pluginOptions: Omit<GatewayPluginOptions, 'gateway'> = {},
  setup: (fastify: FastifyInstance) => void = () => {},
): Promise<App> {
  const { edge, downstream } = createRelays();
  const gateway = createGateway<PassportFields, FastifyRequest>({
    relay: edge.relay,
    jwks: idp.jwks,
    issuer: idp.issuer,
    audience: idp.audience,
    algorithms: ['ES256'],
    ...overrides,
  });
  const { relay } = gateway;
  const fastify = Fastify();
  await fastify.register(gatewayPlugin, { gateway, ...pluginOptions });
  const responded: IncomingHttpHeaders[] = [];
  fastify.addHook('onResponse', async (request) => {
    responded.push({ ...request.headers });
  });
  const handler = async (request: FastifyRequest) => ({
    upstream: await proxy(request, relay.header),
    requestHeader: request.headers[relay.header] ?? null,
    current: relay.current() ?? null,
    outbound: relay.outboundHeaders(upstream.origin) ?? null,
    body: request.body ?? null,
  });
  setup(fastify);
  fastify.get('/public/*', { config: { public: true } }, handler);
  fastify.get('/*', handler);
  fastify.post('/*', handler);
  const origin = await fastify.listen({ port: 0, host: '127.0.0.1' });
  const started: App = {
    fastify,
    origin,
    gateway,
    downstream,
    edgePublicKey: (edge.verificationKey as { key: KeyObject }).key,
    responded,
  };
  app = started;
  return started;
}

describe('Fastify gatewayPlugin', () => {
  it('sends the upstream a passport that verifies with public keys only and with jose', async () => {
    const { origin, downstream, edgePublicKey } = await startGateway();
    const reply = await send(`${origin}/orders`, bearer(await idp.token({ sub: 'user-1' })));
    expect(reply.status).toBe(200);
    const value = reply.json.upstream.passport as string;
    expect(downstream.verify(value)).toMatchObject({ sub: 'user-1' });
    const { payload } = await jwtVerify(value, edgePublicKey, {
      issuer: 'https://edge.test',
      algorithms: ['EdDSA'],
    });
    expect(payload.sub).toBe('user-1');
  });

  it('sets the minted passport on request.headers and makes it the context of the handler', async () => {
    const { origin } = await startGateway();
    const reply = await send(`${origin}/me`, bearer(await idp.token({ sub: 'user-1' })));
    expect(reply.json.requestHeader).toBe(reply.json.upstream.passport);
    expect(reply.json.current).toMatchObject({ sub: 'user-1' });
    expect(reply.json.outbound).toEqual([['passport', reply.json.upstream.passport]]);
  });

  it('keeps the context through body parsing into the handler', async () => {
    const { origin, downstream } = await startGateway();
    const reply = await send(
      `${origin}/orders`,
      { ...bearer(await idp.token({ sub: 'user-1' })), 'content-type': 'application/json' },
      { method: 'POST', body: JSON.stringify({ item: 'book' }) },
    );
    expect(reply.json.body).toEqual({ item: 'book' });
    expect(reply.json.current).toMatchObject({ sub: 'user-1' });
    expect(downstream.verify(reply.json.upstream.passport).sub).toBe('user-1');
  });

  it('keeps the context when the body arrives after parsing has begun', async () => {
    let parsingStarted!: () => void;
    const started = new Promise<void>((resolve) => {
      parsingStarted = resolve;
    });
    const { origin } = await startGateway({}, {}, (fastify) => {
      fastify.addHook('preParsing', async (_request, _reply, payload) => {
        parsingStarted();
        return payload;
      });
    });
    const token = await idp.token({ sub: 'user-1' });
    const reply = await new Promise<{ current: unknown; body: unknown }>((resolve, reject) => {
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
      // The rest is sent only once the server is parsing, so it arrives from the socket later.
      started.then(() => req.end('"book"}'), reject);
    });
    expect(reply.body).toEqual({ item: 'book' });
    expect(reply.current).toMatchObject({ sub: 'user-1' });
  });

  it('mints what an async toPassport returns, given the Fastify request', async () => {
    const { origin, downstream } = await startGateway({
      async toPassport(claims, request) {
        await new Promise((resolve) => setImmediate(resolve));
        return { sub: String(claims.sub), plan: 'gold', route: request.url };
      },
    });
    const reply = await send(`${origin}/profile`, bearer(await idp.token({ sub: 'user-2' })));
    expect(downstream.verify(reply.json.upstream.passport)).toMatchObject({
      sub: 'user-2',
      plan: 'gold',
      route: '/profile',
    });
  });

  describe('refuses with 401, a Bearer challenge and a problem body, never calling the upstream', () => {
    it.each(bearerRefusals(() => idp))('%s', async (_, makeHeaders, code, bearerError) => {
      const { origin } = await startGateway({ realm: 'shop' });
      const headers = await makeHeaders();
      const before = upstream.requests.length;
      const reply = await send(`${origin}/orders`, headers);
      expect(reply.status).toBe(401);
      expect(reply.headers['content-type']).toBe('application/problem+json');
      expect(reply.headers['www-authenticate']).toMatch(
        bearerError === undefined
          ? /^Bearer realm="shop"$/
          : new RegExp(`^Bearer realm="shop", error="${bearerError}", error_description="[^"]+"$`),
      );
      expect(reply.json).toMatchObject({ status: 401, code });
      for (const value of Object.values(headers).flat()) {
        expect(reply.text).not.toContain(String(value).split(' ')[1]);
      }
      expect(upstream.requests.length).toBe(before);
    });
  });

  it('sends the upstream only the minted passport when the client sent its own, in any casing', async () => {
    const { origin, gateway, downstream } = await startGateway();
    const forged = gateway.relay.issue({ sub: 'admin' });
    await send(`${origin}/orders`, {
      ...bearer(await idp.token({ sub: 'user-1' })),
      PassPort: forged,
      PASSPORT: 'forged-2',
    });
    const received = upstream.requests.at(-1)!;
    const passports = received.rawHeaders.filter(
      (name, i) => i % 2 === 0 && name.toLowerCase() === 'passport',
    );
    expect(passports).toHaveLength(1);
    expect(received.headers.passport).not.toBe(forged);
    expect(downstream.verify(received.headers.passport as string).sub).toBe('user-1');
  });

  it('strips the client passport and stripHeaders from a refused request before answering', async () => {
    const { origin, responded } = await startGateway({ stripHeaders: ['x-user-id'] });
    const before = upstream.requests.length;
    const reply = await send(`${origin}/orders`, { Passport: 'forged', 'X-User-Id': 'admin' });
    expect(reply.status).toBe(401);
    expect(responded.at(-1)).not.toHaveProperty('passport');
    expect(responded.at(-1)).not.toHaveProperty('x-user-id');
    expect(upstream.requests.length).toBe(before);
  });

  it('sends the upstream the same passport for the same token', async () => {
    const { origin } = await startGateway();
    const token = await idp.token({ sub: 'user-1' });
    const first = await send(`${origin}/a`, bearer(token));
    const second = await send(`${origin}/b`, bearer(token));
    expect(second.json.upstream.passport).toBe(first.json.upstream.passport);
  });

  it('lets routes marked public through without a token, and without any client passport', async () => {
    const { origin } = await startGateway(
      {},
      { required: (request) => request.routeOptions.config.public !== true },
    );
    const open = await send(`${origin}/public/catalog`, { passport: 'forged' });
    const closed = await send(`${origin}/private`, {});
    expect(open.status).toBe(200);
    expect(open.json.upstream.passport).toBeUndefined();
    expect(open.json.current).toBeNull();
    expect(closed.status).toBe(401);
  });

  it('works with fastify.inject() as well', async () => {
    const { fastify, downstream } = await startGateway();
    const response = await fastify.inject({
      url: '/orders',
      headers: { ...bearer(await idp.token({ sub: 'user-1' })), passport: 'forged' },
    });
    expect(downstream.verify(response.json().upstream.passport).sub).toBe('user-1');
  });
});
