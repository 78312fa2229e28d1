import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createRelay, type RemoteJwks, remoteJwks, signedCodec } from '@passport-relay/core';
import express from 'express';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { jwksHandler } from '../src/express.js';
import { jwksPlugin } from '../src/fastify.js';
import {
  createKeyRing,
  generatePassportKey,
  JWKS_PATH,
  jwksResponse,
  type KeyRing,
} from '../src/index.js';

const ISSUER = 'https://edge.test';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function edgeRelay(ring: KeyRing) {
  return createRelay({
    codec: signedCodec({ issuer: ISSUER, signingKey: ring, keys: ring }),
    cache: false,
  });
}

function kidOf(token: string): string {
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid;
}

describe('key ring: a rotation that never signs with a key services cannot have', () => {
  it('starts with one key that signs at once and is the whole JWKS', () => {
    const k1 = generatePassportKey({ kid: 'k1' });
    const ring = createKeyRing({ keys: [{ key: k1 }] });
    expect(ring.status().map((key) => [key.kid, key.state])).toEqual([['k1', 'active']]);
    expect(ring.jwks().keys).toEqual([k1.publicJwk]);
    expect(kidOf(edgeRelay(ring).issue({ sub: 'user-1' }))).toBe('k1');
  });

  it('publishes a new key without signing with it, and refuses to activate it before propagationMs', () => {
    const ring = createKeyRing({
      keys: [{ key: generatePassportKey({ kid: 'k1' }) }],
      propagationMs: 60_000,
    });
    const published = ring.publish(generatePassportKey({ kid: 'k2' }));
    expect(published.state).toBe('published');
    expect(ring.jwks().keys.map((key) => (key as { kid: string }).kid)).toEqual(['k1', 'k2']);
    expect(kidOf(edgeRelay(ring).issue({ sub: 'user-1' }))).toBe('k1');
    expect(() => ring.activate('k2')).toThrow(/cannot sign before .*propagationMs/);
    expect(() => ring.activate('k2')).toThrow(
      expect.objectContaining({ code: 'ERR_PASSPORT_OPTIONS' }),
    );
    // Scheduled at the earliest safe time instead: accepted, and still k1 until then.
    expect(ring.activate('k2', published.activatableAt).activatedAt).toBe(published.activatableAt);
    expect(ring.status().find((key) => key.kid === 'k2')?.state).toBe('published');
    expect(ring.status(published.activatableAt).map((key) => key.state)).toEqual([
      'retiring',
      'active',
    ]);
  });

  it('switches signing at the activation time and keeps the old key published for retentionMs', async () => {
    const ring = createKeyRing({
      keys: [{ key: generatePassportKey({ kid: 'k1' }) }],
      propagationMs: 50,
      retentionMs: 100,
    });
    const relay = edgeRelay(ring);
    ring.publish(generatePassportKey({ kid: 'k2' }));
    await sleep(60);
    ring.activate('k2');
    const minted = relay.issue({ sub: 'user-1' });
    expect(kidOf(minted)).toBe('k2');
    expect(() => ring.retire('k2')).toThrow(/still signs/);
    expect(() => ring.retire('k1')).toThrow(/stays published until .*retentionMs/);
    expect(ring.jwks().keys).toHaveLength(2);
    await sleep(110);
    expect(ring.retire('k1').state).toBe('retired');
    expect(ring.jwks().keys.map((key) => (key as { kid: string }).kid)).toEqual(['k2']);
    expect(relay.verify(minted).sub).toBe('user-1');
  });

  it('refuses steps in the past, repeated kids, and a ring with no active key', () => {
    const k1 = generatePassportKey({ kid: 'k1' });
    const ring = createKeyRing({ keys: [{ key: k1 }], propagationMs: 10 });
    expect(() => ring.publish(generatePassportKey({ kid: 'k2' }), Date.now() - 60_000)).toThrow(
      /in the past/,
    );
    expect(() => ring.publish(generatePassportKey({ kid: 'k1' }))).toThrow(/already/);
    expect(() => createKeyRing({ keys: [{ key: k1, publishedAt: Date.now() + 60_000 }] })).toThrow(
      /no key is active/,
    );
    expect(() =>
      createKeyRing({
        keys: [
          { key: k1, publishedAt: 0, activatedAt: 1 },
          { key: generatePassportKey({ kid: 'k2' }), publishedAt: 1_000, activatedAt: 1_001 },
        ],
      }),
    ).toThrow(/cannot sign before/);
    expect(() =>
      createKeyRing({ keys: [{ key: { kid: 'x', privateJwk: k1.publicJwk } }] }),
    ).toThrow(/not an Ed25519 private JWK/);
  });

  it('restores its state from entries() after a restart', async () => {
    const ring = createKeyRing({
      keys: [{ key: generatePassportKey({ kid: 'k1' }) }],
      propagationMs: 20,
    });
    ring.publish(generatePassportKey({ kid: 'k2' }));
    await sleep(30);
    ring.activate('k2');
    const restored = createKeyRing({ keys: ring.entries(), propagationMs: 20 });
    expect(restored.status().map((key) => [key.kid, key.state])).toEqual([
      ['k1', 'retiring'],
      ['k2', 'active'],
    ]);
    expect(kidOf(edgeRelay(restored).issue({ sub: 'user-1' }))).toBe('k2');
  });
});

describe('the JWKS endpoint', () => {
  const servers: Server[] = [];
  const sources: RemoteJwks[] = [];
  afterEach(async () => {
    for (const source of sources.splice(0)) source.close();
    await Promise.all(
      servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))),
    );
  });

  async function listen(server: Server): Promise<string> {
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}${JWKS_PATH}`;
  }

  it('serves public keys only, never a private member', () => {
    const ring = createKeyRing({ keys: [{ key: generatePassportKey({ kid: 'k1' }) }] });
    const { status, headers, body } = jwksResponse(ring);
    expect(status).toBe(200);
    expect(headers['content-type']).toBe('application/jwk-set+json');
    expect(JSON.parse(body).keys[0]).toEqual({
      kty: 'OKP',
      crv: 'Ed25519',
      x: expect.any(String),
      kid: 'k1',
      alg: 'EdDSA',
      use: 'sig',
    });
    expect(body).not.toContain('"d"');
  });

  it('Express: a service with remoteJwks verifies what the edge mints, across a rotation', async () => {
    const ring = createKeyRing({
      keys: [{ key: generatePassportKey({ kid: 'k1' }) }],
      propagationMs: 200,
    });
    const app = express();
    app.get(JWKS_PATH, jwksHandler(ring));
    const keys = remoteJwks(await listen(createServer(app)), { maxAgeMs: 50, cooldownMs: 10 });
    sources.push(keys);
    await keys.ready();
    const service = createRelay({ codec: signedCodec({ issuer: ISSUER, keys }), cache: false });
    const edge = edgeRelay(ring);
    expect(service.verify(edge.issue({ sub: 'user-1' })).sub).toBe('user-1');

    ring.publish(generatePassportKey({ kid: 'k2' }));
    await sleep(210);
    expect(keys.kids).toContain('k2'); // fetched within the propagation time
    ring.activate('k2');
    const next = edge.issue({ sub: 'user-2' });
    expect(kidOf(next)).toBe('k2');
    expect(service.verify(next).sub).toBe('user-2');
  });

  it('Fastify: the plugin serves the ring at the well-known path', async () => {
    const ring = createKeyRing({ keys: [{ key: generatePassportKey({ kid: 'k1' }) }] });
    const app = Fastify();
    await app.register(jwksPlugin, { keys: ring });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const address = app.server.address() as AddressInfo;
      const keys = remoteJwks(`http://127.0.0.1:${address.port}${JWKS_PATH}`);
      sources.push(keys);
      await keys.ready();
      expect(keys.kids).toEqual(['k1']);
      const response = await fetch(`http://127.0.0.1:${address.port}${JWKS_PATH}`);
      expect(response.headers.get('content-type')).toBe('application/jwk-set+json');
    } finally {
      await app.close();
    }
  });
});

describe('passport-relay-keys', () => {
  const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'keys-cli.js');
  const run = promisify(execFile);

  it('prints an Ed25519 key that signs and verifies in the SDK', async () => {
    const { stdout } = await run(process.execPath, [cli, '--kid', 'edge-1']);
    const key = JSON.parse(stdout);
    const edge = createRelay({
      codec: signedCodec({
        issuer: ISSUER,
        keys: [key.publicJwk],
        signingKey: { alg: 'EdDSA', kid: key.kid, key: key.privateJwk },
      }),
    });
    expect(edge.verify(edge.issue({ sub: 'user-1' })).sub).toBe('user-1');
    expect(key.publicJwk.d).toBeUndefined();
  });

  it('prints PEM and JWKS forms, and an HS256 secret', async () => {
    const pem = (await run(process.execPath, [cli, '--format', 'pem'])).stdout;
    expect(pem).toMatch(/BEGIN PRIVATE KEY[\s\S]*BEGIN PUBLIC KEY/);
    const jwks = JSON.parse((await run(process.execPath, [cli, '--format', 'jwks'])).stdout);
    expect(jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' });
    const hs = JSON.parse((await run(process.execPath, [cli, '--alg', 'HS256'])).stdout);
    const relay = createRelay({
      codec: signedCodec({ keys: [hs.jwk], signingKey: { alg: 'HS256', secret: hs.secret } }),
    });
    expect(relay.verify(relay.issue({ sub: 'user-1' })).sub).toBe('user-1');
  });

  it('refuses unknown flags with usage and exit code 2', async () => {
    await expect(run(process.execPath, [cli, '--algo', 'RS256'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('Usage: passport-relay-keys'),
    });
  });
});
