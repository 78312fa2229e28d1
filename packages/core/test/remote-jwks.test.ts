import { AsyncLocalStorage } from 'node:async_hooks';
import { generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createRelay,
  isPassportError,
  type PassportErrorCode,
  type RemoteJwks,
  remoteJwks,
  signedCodec,
} from '../src/index.js';
import { b64url, claims, forge, ISSUER } from './helpers.js';

interface Key {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicJwk: JsonWebKey & { kid: string };
}

function newKey(kid: string): Key {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { kid, privateKey, publicJwk: { ...publicKey.export({ format: 'jwk' }), kid } };
}

/** A real JWKS host on loopback, whose answer a test changes, and which can go away and return. */
class JwksHost {
  requests = 0;
  body: unknown = { keys: [] };
  handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  #server: Server | undefined;
  port = 0;

  async start(port = 0): Promise<this> {
    this.#server = createServer((req, res) => {
      this.requests++;
      if (this.handler) return this.handler(req, res);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.body));
    });
    await new Promise<void>((resolve) => this.#server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.#server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/.well-known/jwks.json`;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

const hosts: JwksHost[] = [];
const sources: RemoteJwks[] = [];
afterEach(async () => {
  for (const source of sources.splice(0)) source.close();
  await Promise.all(hosts.splice(0).map((host) => host.stop()));
});

async function host(keys: Key[] = []): Promise<JwksHost> {
  const started = await new JwksHost().start();
  started.body = { keys: keys.map((key) => key.publicJwk) };
  hosts.push(started);
  return started;
}

function source(url: string, options: Parameters<typeof remoteJwks>[1] = {}): RemoteJwks {
  const keys = remoteJwks(url, { timeoutMs: 1_000, cooldownMs: 50, ...options });
  sources.push(keys);
  return keys;
}

function service(keys: RemoteJwks) {
  return createRelay({ codec: signedCodec({ issuer: ISSUER, keys }), cache: false });
}

function passport(key: Key, header: Record<string, unknown> = {}): string {
  return forge({ alg: 'EdDSA', kid: key.kid, typ: 'JWT', ...header }, claims(), {
    ed25519: key.privateKey,
  });
}

function verdict(fn: () => unknown): PassportErrorCode | 'accepted' {
  try {
    fn();
    return 'accepted';
  } catch (error) {
    if (isPassportError(error)) return error.code;
    throw error;
  }
}

async function until(check: () => boolean, what: string, waitMs = 10_000): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A port nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const probe = await new JwksHost().start();
  const port = probe.port;
  await probe.stop();
  return port;
}

describe('remoteJwks: keys from the edge, fetched and cached', () => {
  it('verifies a passport with a key from the JWKS, synchronously once loaded', async () => {
    const k1 = newKey('k1');
    const jwks = await host([k1]);
    const keys = source(jwks.url);
    await keys.ready();
    const relay = service(keys);
    expect(relay.verify(passport(k1)).sub).toBe('user-1');
    expect(keys.kids).toEqual(['k1']);
    expect(jwks.requests).toBe(1);
  });

  it('refetches on an unknown kid, at most once per cooldown, and accepts the new key after', async () => {
    const k1 = newKey('k1');
    const k2 = newKey('k2');
    const jwks = await host([k1]);
    const keys = source(jwks.url, { cooldownMs: 300, maxAgeMs: 600_000 });
    await keys.ready();
    const relay = service(keys);
    jwks.body = { keys: [k1.publicJwk, k2.publicJwk] };
    // Within the cooldown of the first fetch, an unknown kid fetches nothing.
    expect(verdict(() => relay.verify(passport(k2)))).toBe('ERR_PASSPORT_KEY_UNKNOWN');
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(jwks.requests).toBe(1);
    // After it, the first refusal starts one refresh; 50 more while it runs start nothing.
    for (let i = 0; i < 50; i++) {
      expect(verdict(() => relay.verify(passport(k2)))).toBe('ERR_PASSPORT_KEY_UNKNOWN');
    }
    await until(() => keys.kids.includes('k2'), 'k2 to be fetched');
    expect(jwks.requests).toBe(2);
    expect(relay.verify(passport(k2)).sub).toBe('user-1');
    expect(relay.verify(passport(k1)).sub).toBe('user-1');
  });

  it('picks up a newly published key on its own every maxAgeMs, before any passport needs it', async () => {
    const k1 = newKey('k1');
    const k2 = newKey('k2');
    const jwks = await host([k1]);
    const keys = source(jwks.url, { maxAgeMs: 50, cooldownMs: 60_000 });
    await keys.ready();
    jwks.body = { keys: [k1.publicJwk, k2.publicJwk] };
    await until(() => keys.kids.includes('k2'), 'the periodic refresh');
    expect(service(keys).verify(passport(k2)).sub).toBe('user-1');
  });

  it('drops a retired key when the JWKS no longer lists it', async () => {
    const k1 = newKey('k1');
    const k2 = newKey('k2');
    const jwks = await host([k1, k2]);
    const keys = source(jwks.url, { maxAgeMs: 50 });
    await keys.ready();
    const relay = service(keys);
    expect(relay.verify(passport(k1)).sub).toBe('user-1');
    jwks.body = { keys: [k2.publicJwk] };
    await until(() => !keys.kids.includes('k1'), 'k1 to be retired');
    expect(verdict(() => relay.verify(passport(k1)))).toBe('ERR_PASSPORT_KEY_UNKNOWN');
  });
});

describe('remoteJwks: when the JWKS cannot be reached', () => {
  it('refuses with ERR_PASSPORT_UNAVAILABLE (503) until the first keys arrive, then verifies', async () => {
    const k1 = newKey('k1');
    const port = await closedPort();
    const keys = source(`http://127.0.0.1:${port}/jwks`, { cooldownMs: 20, maxAgeMs: 60_000 });
    const relay = service(keys);
    await expect(keys.refresh()).rejects.toMatchObject({ code: 'ERR_PASSPORT_UNAVAILABLE' });
    let refusal: unknown;
    try {
      relay.verify(passport(k1));
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toMatchObject({ code: 'ERR_PASSPORT_UNAVAILABLE', status: 503 });
    expect(keys.lastError?.code).toBe('ERR_PASSPORT_UNAVAILABLE');
    await expect(keys.ready(50)).rejects.toMatchObject({ code: 'ERR_PASSPORT_UNAVAILABLE' });

    // The edge comes up on that address: the retry (every cooldownMs) finds it.
    const late = new JwksHost();
    late.body = { keys: [k1.publicJwk] };
    hosts.push(await late.start(port));
    await keys.ready(10_000);
    expect(relay.verify(passport(k1)).sub).toBe('user-1');
    expect(keys.lastError).toBeUndefined();
  });

  it('keeps serving with the last good keys when the JWKS host goes away, and refuses unknown kids', async () => {
    const k1 = newKey('k1');
    const k2 = newKey('k2');
    const jwks = await host([k1]);
    const keys = source(jwks.url, { maxAgeMs: 30, cooldownMs: 20 });
    await keys.ready();
    const relay = service(keys);
    const port = jwks.port;
    await jwks.stop();
    await until(() => keys.lastError !== undefined, 'a failed refresh');

    expect(relay.verify(passport(k1)).sub).toBe('user-1');
    const unknown = (() => {
      try {
        relay.verify(passport(k2));
      } catch (error) {
        return error;
      }
    })();
    expect(unknown).toMatchObject({ code: 'ERR_PASSPORT_KEY_UNKNOWN', status: 401 });

    // It returns, now listing k2: the service learns it without a restart.
    const back = new JwksHost();
    back.body = { keys: [k1.publicJwk, k2.publicJwk] };
    hosts.push(await back.start(port));
    await until(() => keys.kids.includes('k2'), 'k2 after the outage');
    expect(relay.verify(passport(k2)).sub).toBe('user-1');
  });

  it('gives up on a JWKS host that never answers after timeoutMs, keeping the last good keys', async () => {
    const k1 = newKey('k1');
    const jwks = await host([k1]);
    const keys = source(jwks.url, { timeoutMs: 100, maxAgeMs: 600_000 });
    await keys.ready();
    jwks.handler = () => {}; // accepts the request and never answers
    await expect(keys.refresh()).rejects.toMatchObject({ code: 'ERR_PASSPORT_UNAVAILABLE' });
    expect(service(keys).verify(passport(k1)).sub).toBe('user-1');
  });

  it.each([
    ['an HTTP error', (res: ServerResponse) => res.writeHead(500).end('{"keys":[]}')],
    ['a body that is not JSON', (res: ServerResponse) => res.writeHead(200).end('<html>')],
    [
      'a JWKS without keys it can use',
      (res: ServerResponse) =>
        res.writeHead(200).end('{"keys":[{"kty":"RSA","n":"x","e":"AQAB"}]}'),
    ],
    [
      'a JWKS larger than maxBytes',
      (res: ServerResponse) =>
        res.writeHead(200).end(JSON.stringify({ keys: [], pad: 'x'.repeat(70_000) })),
    ],
    [
      'a redirect (never followed)',
      (res: ServerResponse) => res.writeHead(302, { location: 'http://127.0.0.2/jwks' }).end(),
    ],
  ])('treats %s as a failed fetch and keeps the last good keys', async (_name, answer) => {
    const k1 = newKey('k1');
    const jwks = await host([k1]);
    const keys = source(jwks.url, { maxAgeMs: 600_000 });
    await keys.ready();
    jwks.handler = (_req, res) => answer(res);
    await expect(keys.refresh()).rejects.toMatchObject({ code: 'ERR_PASSPORT_UNAVAILABLE' });
    expect(keys.kids).toEqual(['k1']);
    expect(service(keys).verify(passport(k1)).sub).toBe('user-1');
  });
});

describe('remoteJwks: what it never trusts', () => {
  it('ignores jku, x5u and an embedded jwk in the token header: nothing is fetched from them', async () => {
    const k1 = newKey('k1');
    const attacker = newKey('evil');
    const jwks = await host([k1]);
    const attackerHost = await host([attacker]);
    const keys = source(jwks.url, { cooldownMs: 60_000 });
    await keys.ready();
    const relay = service(keys);
    const headers = [
      { jku: attackerHost.url },
      { x5u: attackerHost.url },
      { jwk: attacker.publicJwk },
      { jwk: attacker.publicJwk, kid: 'k1' },
      { x5c: ['MIIB'], kid: 'k1' },
    ];
    for (const header of headers) {
      const token = forge({ alg: 'EdDSA', kid: 'evil', typ: 'JWT', ...header }, claims(), {
        ed25519: attacker.privateKey,
      });
      expect(['ERR_PASSPORT_KEY_UNKNOWN', 'ERR_PASSPORT_SIGNATURE']).toContain(
        verdict(() => relay.verify(token)),
      );
    }
    expect(attackerHost.requests).toBe(0);
  });

  it('skips private, secret and encryption keys found in a JWKS', async () => {
    const k1 = newKey('k1');
    const leaked = newKey('leaked');
    const jwks = await host();
    jwks.body = {
      keys: [
        k1.publicJwk,
        { ...leaked.privateKey.export({ format: 'jwk' }), kid: 'leaked' },
        { kty: 'oct', k: b64url('a secret of thirty-two bytes, yes'), kid: 'hs', alg: 'HS256' },
        { ...newKey('enc').publicJwk, use: 'enc' },
      ],
    };
    const keys = source(jwks.url);
    await keys.ready();
    expect(keys.kids).toEqual(['k1']);
  });

  it('fetches outside the request context, so propagation hooks never see a passport', async () => {
    const k1 = newKey('k1');
    const k2 = newKey('k2');
    const jwks = await host([k1]);
    const keys = source(jwks.url, { cooldownMs: 0, maxAgeMs: 600_000 });
    await keys.ready();
    const relay = service(keys);
    const requestContext = new AsyncLocalStorage<string>();
    const seen: (string | undefined)[] = [];
    const onCreate = () => seen.push(requestContext.getStore());
    subscribe('undici:request:create', onCreate);
    try {
      requestContext.run('user-1 request', () => {
        expect(verdict(() => relay.verify(passport(k2)))).toBe('ERR_PASSPORT_KEY_UNKNOWN');
      });
      await until(() => jwks.requests === 2, 'the refresh');
    } finally {
      unsubscribe('undici:request:create', onCreate);
    }
    expect(seen).toEqual([undefined]);
  });

  it('refuses a bad URL or option at creation', () => {
    expect(() => remoteJwks('not a url')).toThrow(/not a URL/);
    expect(() => remoteJwks('file:///etc/jwks.json')).toThrow(/http: or https:/);
    expect(() => remoteJwks('http://gateway/jwks', { timeoutMs: 0 })).toThrow(/timeoutMs/);
  });
});
