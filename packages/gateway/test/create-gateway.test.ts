import {
  createRelay,
  isPassportError,
  type PassportError,
  signedCodec,
} from '@passport-relay/core';
import {
  createTestRelay,
  type LoopbackServer,
  listenOnLoopback,
  type RecordingServer,
  startRecordingServer,
} from '@passport-relay/testing';
import { generateKeyPair, jwtVerify } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createGateway,
  defaultToPassport,
  type Gateway,
  type GatewayOptions,
  GatewayRefusal,
} from '../src/index.js';
import {
  bearer,
  createIdentityProvider,
  createRelays,
  type IdentityProvider,
  send,
  unsignedToken,
} from './helpers.js';

let idp: IdentityProvider;
beforeAll(async () => {
  idp = await createIdentityProvider();
});

function gatewayFor(overrides: Partial<GatewayOptions> = {}): Gateway {
  return createGateway({
    relay: createTestRelay().relay,
    jwks: idp.jwks,
    issuer: idp.issuer,
    audience: idp.audience,
    algorithms: ['ES256'],
    ...overrides,
  });
}

async function refusalOf(promise: Promise<unknown>): Promise<PassportError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isPassportError(error)) throw new Error(`expected a PassportError, got ${String(error)}`);
  return error;
}

describe('createGateway: refusing to start', () => {
  const base = () => ({
    relay: createTestRelay().relay,
    jwks: idp.jwks,
    issuer: idp.issuer,
    audience: idp.audience,
    algorithms: ['ES256'] as const,
  });

  it.each([
    ['issuer is missing', { issuer: undefined }, /"issuer" is required: .*issuer: 'https:/],
    ['audience is missing', { audience: undefined }, /"audience" is required: .*audience: '/],
    [
      'algorithms are missing',
      { algorithms: undefined },
      /"algorithms" is required: .*\['RS256'\]/,
    ],
    ['algorithms are empty', { algorithms: [] }, /"algorithms" is required/],
    ['algorithms contain none', { algorithms: ['none'] }, /cannot contain "none"/],
    ['algorithms contain HS256', { algorithms: ['HS256'] }, /HMAC keys are secrets/],
    ['no key source is given', { jwks: undefined }, /give exactly one of "jwksUrl" .* and "jwks"/],
    ['both key sources are given', { jwksUrl: 'https://idp.test/jwks' }, /exactly one of/],
    ['jwksUrl is not http(s)', { jwks: undefined, jwksUrl: 'file:///etc/jwks.json' }, /https:/],
    ['the JWKS has no key for the algorithms', { algorithms: ['RS256'] }, /no key for RS256/],
    [
      'stripHeaders contains authorization',
      { stripHeaders: ['Authorization'] },
      /reads the user token/,
    ],
    ['an option is unknown', { issuers: ['x'] }, /unknown option "issuers"/],
    ['realm has a quote', { realm: 'a"b' }, /"realm" must be/],
  ])('when %s', (_, overrides, message) => {
    const options = { ...base(), ...overrides } as unknown as GatewayOptions;
    expect(() => createGateway(options)).toThrow(
      expect.objectContaining({
        code: 'ERR_PASSPORT_OPTIONS',
        message: expect.stringMatching(message),
      }),
    );
  });

  it('when the JWKS holds a private key', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const { exportJWK } = await import('jose');
    const jwks = { keys: [{ ...(await exportJWK(privateKey)), kid: 'oops' }] };
    expect(() => createGateway({ ...base(), jwks })).toThrow(/private or secret key/);
  });

  it('when the relay has no signing key (a service relay)', () => {
    const { downstream } = createRelays();
    expect(() => createGateway({ ...base(), relay: downstream })).toThrow(
      /cannot mint passports: create it with signedCodec\(\{ signingKey/,
    );
  });

  it("when the relay's keys do not include its signing key's public half", () => {
    const minting = createTestRelay();
    const other = createTestRelay();
    const relay = createRelay({
      codec: signedCodec({ keys: [other.verificationKey!], signingKey: minting.signingKey! }),
    });
    expect(() => createGateway({ ...base(), relay })).toThrow(
      /add the public half of its signingKey/,
    );
  });
});

describe('gateway.authenticate', () => {
  it('mints a passport that a downstream relay with public keys only and jose both verify', async () => {
    const { edge, downstream } = createRelays();
    const gateway = gatewayFor({ relay: edge.relay });
    const { passport, value } = await gateway.authenticate(
      bearer(await idp.token({ sub: 'user-1', email: 'a@example.com' })),
    );
    expect(passport).toMatchObject({ sub: 'user-1', email: 'a@example.com', iss: edge.issuer });
    expect(downstream.verify(value)).toMatchObject({ sub: 'user-1', email: 'a@example.com' });
    const key = (edge.verificationKey as { key: Parameters<typeof jwtVerify>[1] }).key;
    const { payload } = await jwtVerify(value, key, { issuer: edge.issuer, algorithms: ['EdDSA'] });
    expect(payload.sub).toBe('user-1');
  });

  it('maps sub, email, name, roles, groups and tenant by default, and nothing else', async () => {
    const gateway = gatewayFor();
    const token = await idp.token({
      sub: 'user-1',
      email: 'a@example.com',
      name: 'Ada',
      roles: ['admin'],
      groups: 'ops',
      tenant: 't1',
      azp: 'web-app',
      scope: 'openid',
    });
    const { passport } = await gateway.authenticate(bearer(token));
    const { iat, exp, jti, iss, ...fields } = passport;
    expect(fields).toEqual({
      sub: 'user-1',
      email: 'a@example.com',
      name: 'Ada',
      roles: ['admin'],
      groups: ['ops'],
      tenant: 't1',
    });
  });

  it('tries every key of the JWKS for a token without kid', async () => {
    const other = await createIdentityProvider();
    const jwks = { keys: [...other.jwks.keys, ...idp.jwks.keys].map(({ kid, ...key }) => key) };
    const { passport } = await gatewayFor({ jwks }).authenticate(
      bearer(await idp.token({ sub: 'user-1' }, { kid: null })),
    );
    expect(passport.sub).toBe('user-1');
  });

  it('refuses a token without kid that no key of the JWKS verifies', async () => {
    const [a, b] = await Promise.all([createIdentityProvider(), createIdentityProvider()]);
    const jwks = { keys: [...a.jwks.keys, ...b.jwks.keys].map(({ kid, ...key }) => key) };
    const error = await refusalOf(
      gatewayFor({ jwks }).authenticate(bearer(await idp.token({ sub: 'u' }, { kid: null }))),
    );
    expect(error.code).toBe('ERR_PASSPORT_SIGNATURE');
  });

  it('refuses a token without sub under the default mapping', async () => {
    const error = await refusalOf(gatewayFor().authenticate(bearer(await idp.token({}))));
    expect(error.code).toBe('ERR_PASSPORT_CLAIM_INVALID');
  });

  it('mints what an async toPassport returns, given the claims and the request', async () => {
    const request = { id: 'req-1' };
    const gateway = createGateway({
      relay: createTestRelay().relay,
      jwks: idp.jwks,
      issuer: idp.issuer,
      audience: idp.audience,
      algorithms: ['ES256'],
      async toPassport(claims, req: { id: string }) {
        await new Promise((resolve) => setImmediate(resolve));
        return { sub: String(claims.sub), plan: 'gold', requestId: req.id };
      },
    });
    const { passport } = await gateway.authenticate(bearer(await idp.token({ sub: 'user-2' })), {
      request,
    });
    expect(passport).toMatchObject({ sub: 'user-2', plan: 'gold', requestId: 'req-1' });
  });

  it('refuses the user when toPassport throws a GatewayRefusal', async () => {
    const gateway = gatewayFor({
      toPassport() {
        throw new GatewayRefusal('ERR_PASSPORT_CLAIM_INVALID', 'This account is disabled.');
      },
    });
    const error = await refusalOf(gateway.authenticate(bearer(await idp.token())));
    expect(error).toBeInstanceOf(GatewayRefusal);
    expect(gateway.refusal(error).headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it('passes an error that is not a refusal through unchanged', async () => {
    const failure = new Error('profile service down');
    const gateway = gatewayFor({
      toPassport: () => Promise.reject(failure),
    });
    await expect(gateway.authenticate(bearer(await idp.token()))).rejects.toBe(failure);
  });

  describe('refuses with a typed code', () => {
    it.each([
      [
        'an expired token',
        () => idp.token({ sub: 'u' }, { expiresIn: -60 }),
        'ERR_PASSPORT_EXPIRED',
      ],
      [
        'a token from another issuer',
        () => idp.token({ sub: 'u' }, { issuer: 'https://evil.test/' }),
        'ERR_PASSPORT_CLAIM_INVALID',
      ],
      [
        'a token for another audience',
        () => idp.token({ sub: 'u' }, { audience: 'other-api' }),
        'ERR_PASSPORT_CLAIM_INVALID',
      ],
      [
        'a token signed by another key under the same kid',
        async () => {
          const { privateKey } = await generateKeyPair('ES256');
          return idp.token({ sub: 'u' }, { signWith: privateKey });
        },
        'ERR_PASSPORT_SIGNATURE',
      ],
      [
        'a token with alg none',
        async () => unsignedToken({ sub: 'u', iss: idp.issuer, aud: idp.audience, exp: 4e9 }),
        'ERR_PASSPORT_ALGORITHM',
      ],
      [
        'a token with a kid the JWKS does not have',
        () => idp.token({ sub: 'u' }, { kid: 'unknown' }),
        'ERR_PASSPORT_KEY_UNKNOWN',
      ],
      ['a token that is not a JWT', async () => 'not-a-jwt', 'ERR_PASSPORT_MALFORMED'],
    ])('%s', async (_, makeToken, code) => {
      const error = await refusalOf(gatewayFor().authenticate(bearer(await makeToken())));
      expect(error).toBeInstanceOf(GatewayRefusal);
      expect({ code: error.code, status: error.status }).toEqual({ code, status: 401 });
    });

    it('a token without exp', async () => {
      const { SignJWT } = await import('jose');
      const token = await new SignJWT({ sub: 'u' })
        .setProtectedHeader({ alg: 'ES256', kid: idp.kid })
        .setIssuer(idp.issuer)
        .setAudience(idp.audience)
        .sign(idp.privateKey);
      const error = await refusalOf(gatewayFor().authenticate(bearer(token)));
      expect(error.code).toBe('ERR_PASSPORT_CLAIM_INVALID');
      expect(error.message).toMatch(/"exp"/);
    });

    it.each([
      ['no Authorization header', {}, 'ERR_PASSPORT_MISSING'],
      [
        'a Basic Authorization header',
        { authorization: 'Basic dXNlcjpwYXNz' },
        'ERR_PASSPORT_MISSING',
      ],
      [
        'two Authorization values',
        { authorization: ['Bearer a.b.c', 'Bearer d.e.f'] },
        'ERR_PASSPORT_MALFORMED',
      ],
      [
        'two Authorization values joined',
        { authorization: 'Bearer a.b.c, Bearer d.e.f' },
        'ERR_PASSPORT_MALFORMED',
      ],
      ['Bearer with two tokens', { authorization: 'Bearer a.b.c d.e.f' }, 'ERR_PASSPORT_MALFORMED'],
      ['Bearer with no token', { authorization: 'Bearer ' }, 'ERR_PASSPORT_MALFORMED'],
    ])('%s', async (_, headers, code) => {
      const error = await refusalOf(gatewayFor().authenticate(headers));
      expect(error.code).toBe(code);
      expect(error.status).toBe(401);
    });

    it('an Authorization header over maxTokenBytes, with 431', async () => {
      const error = await refusalOf(
        gatewayFor({ maxTokenBytes: 1024 }).authenticate(bearer('a'.repeat(1100))),
      );
      expect({ code: error.code, status: error.status }).toEqual({
        code: 'ERR_PASSPORT_TOO_LARGE',
        status: 431,
      });
    });
  });

  it('never takes a passport from the headers it is given', async () => {
    const { edge } = createRelays();
    const forged = edge.relay.issue({ sub: 'admin' });
    const gateway = gatewayFor({ relay: edge.relay });
    const result = await gateway.authenticate({
      ...bearer(await idp.token({ sub: 'user-1' })),
      passport: forged,
    });
    expect(result.value).not.toBe(forged);
    expect(result.passport.sub).toBe('user-1');
    expect(result.context.headers.filter(([name]) => name === 'passport')).toEqual([
      ['passport', result.value],
    ]);
  });

  it('reads Authorization in any casing, and from a fetch Headers object', async () => {
    const gateway = gatewayFor();
    const token = await idp.token({ sub: 'user-1' });
    const fromRecord = await gateway.authenticate({ AUTHORIZATION: `bearer ${token}` });
    const fromHeaders = await gateway.authenticate(new Headers(bearer(token)));
    expect([fromRecord.passport.sub, fromHeaders.passport.sub]).toEqual(['user-1', 'user-1']);
  });

  it('lets a request without a token through anonymously when not required, keeping forwarded headers', async () => {
    const gateway = gatewayFor({
      relay: createTestRelay({ forwardHeaders: ['x-request-id'] }).relay,
    });
    const result = await gateway.authenticate(
      { 'x-request-id': 'r-1', passport: 'forged' },
      { required: false },
    );
    expect(result.passport).toBeUndefined();
    expect(result.value).toBeUndefined();
    expect(result.context.headers).toEqual([['x-request-id', 'r-1']]);
  });

  it('still refuses a bad token when not required', async () => {
    const token = await idp.token({ sub: 'u' }, { expiresIn: -60 });
    const error = await refusalOf(gatewayFor().authenticate(bearer(token), { required: false }));
    expect(error.code).toBe('ERR_PASSPORT_EXPIRED');
  });
});

describe('gateway.refusal', () => {
  it('answers a bad token with 401, a Bearer invalid_token challenge and a problem body without the token', async () => {
    const gateway = gatewayFor({ realm: 'shop' });
    const token = await idp.token({ sub: 'u' }, { expiresIn: -60 });
    const refusal = gateway.refusal(await refusalOf(gateway.authenticate(bearer(token))));
    expect(refusal.status).toBe(401);
    expect(refusal.headers['content-type']).toBe('application/problem+json');
    expect(refusal.headers['www-authenticate']).toBe(
      'Bearer realm="shop", error="invalid_token", error_description="The bearer token has expired."',
    );
    expect(JSON.parse(refusal.body)).toMatchObject({ status: 401, code: 'ERR_PASSPORT_EXPIRED' });
    expect(refusal.body).not.toContain(token);
    expect(refusal.body).not.toContain(token.split('.')[1]);
  });

  it('omits the error parameter when no Bearer token was sent (RFC 6750 §3.1)', async () => {
    const gateway = gatewayFor();
    const refusal = gateway.refusal(await refusalOf(gateway.authenticate({})));
    expect(refusal.headers['www-authenticate']).toBe('Bearer realm="gateway"');
  });

  it('answers a malformed Authorization header with invalid_request', async () => {
    const gateway = gatewayFor();
    const refusal = gateway.refusal(
      await refusalOf(gateway.authenticate({ authorization: ['Bearer a', 'Bearer b'] })),
    );
    expect(refusal.headers['www-authenticate']).toMatch(
      /^Bearer realm="gateway", error="invalid_request"/,
    );
  });
});

describe('gateway.strip', () => {
  it("removes the relay's header and stripHeaders in any casing from a record", () => {
    const gateway = gatewayFor({ stripHeaders: ['X-User-Id'] });
    const headers: Record<string, unknown> = {
      PassPort: 'forged',
      passport: 'forged',
      'x-user-id': 'admin',
      'x-other': 'kept',
    };
    expect(gateway.strip(headers)).toBe(3);
    expect(headers).toEqual({ 'x-other': 'kept' });
    expect(gateway.stripHeaders).toEqual(['passport', 'x-user-id']);
  });

  it('removes them from a fetch Headers object', () => {
    const headers = new Headers({ Passport: 'forged', 'x-other': 'kept' });
    gatewayFor().strip(headers);
    expect([...headers.keys()]).toEqual(['x-other']);
  });
});

describe('minted passport reuse', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('hands out the same passport for the same token, calling toPassport once', async () => {
    const toPassport = vi.fn(defaultToPassport);
    const gateway = gatewayFor({ toPassport });
    const token = await idp.token({ sub: 'user-1' });
    const first = await gateway.authenticate(bearer(token));
    const second = await gateway.authenticate(bearer(token));
    expect(second.value).toBe(first.value);
    expect(toPassport).toHaveBeenCalledTimes(1);
  });

  it('mints separately for different tokens of the same user', async () => {
    const gateway = gatewayFor();
    const a = await gateway.authenticate(bearer(await idp.token({ sub: 'user-1', n: 1 })));
    const b = await gateway.authenticate(bearer(await idp.token({ sub: 'user-1', n: 2 })));
    expect(a.value).not.toBe(b.value);
  });

  it('shares one toPassport call between concurrent requests with the same token', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const toPassport = vi.fn(async (claims: { sub?: string }) => {
      await gate;
      return { sub: String(claims.sub) };
    });
    const gateway = gatewayFor({ toPassport });
    const token = await idp.token({ sub: 'user-1' });
    const all = Promise.all([1, 2, 3].map(() => gateway.authenticate(bearer(token))));
    await new Promise((resolve) => setImmediate(resolve));
    release();
    const values = new Set((await all).map((result) => result.value));
    expect(values.size).toBe(1);
    expect(toPassport).toHaveBeenCalledTimes(1);
  });

  it("stops reusing a passport marginSeconds before the passport's exp", async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.now();
    // createTestRelay passports live 300 s; the margin is 30 s by default.
    const gateway = gatewayFor();
    const token = await idp.token({ sub: 'user-1' }, { expiresIn: 3600 });
    const first = (await gateway.authenticate(bearer(token))).value;
    vi.setSystemTime(start + 269_000);
    expect((await gateway.authenticate(bearer(token))).value).toBe(first);
    vi.setSystemTime(start + 271_000);
    const renewed = await gateway.authenticate(bearer(token));
    expect(renewed.value).not.toBe(first);
    expect(renewed.passport.exp).toBe(Math.floor((start + 271_000) / 1000) + 300);
  });

  it("never serves a cached passport past the user token's exp", async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.now();
    const gateway = gatewayFor({ clockToleranceSeconds: 0 });
    const token = await idp.token({ sub: 'user-1' }, { expiresIn: 60 });
    const first = await gateway.authenticate(bearer(token));
    // The passport is capped at the user token's exp, and reused until the cache margin (30 s).
    expect(first.passport.exp).toBe(Math.floor(start / 1000) + 60);
    vi.setSystemTime(start + 25_000);
    expect((await gateway.authenticate(bearer(token))).value).toBe(first.value);
    vi.setSystemTime(start + 55_000);
    const late = await gateway.authenticate(bearer(token));
    expect(late.value).not.toBe(first.value);
    expect(late.passport.exp).toBe(Math.floor(start / 1000) + 60);
    vi.setSystemTime(start + 62_000);
    const error = await refusalOf(gateway.authenticate(bearer(token)));
    expect(error.code).toBe('ERR_PASSPORT_EXPIRED');
  });

  it('keeps at most cache.maxEntries tokens, least recently used out first', async () => {
    const gateway = gatewayFor({ cache: { maxEntries: 2 } });
    const [a, b, c] = await Promise.all([1, 2, 3].map((n) => idp.token({ sub: `user-${n}` })));
    const firstA = (await gateway.authenticate(bearer(a!))).value;
    await gateway.authenticate(bearer(b!));
    await gateway.authenticate(bearer(c!));
    expect(gateway.cache).toMatchObject({ size: 2, maxEntries: 2 });
    expect((await gateway.authenticate(bearer(a!))).value).not.toBe(firstA);
  });

  it('mints per request with cache: false', async () => {
    const gateway = gatewayFor({ cache: false });
    const token = await idp.token({ sub: 'user-1' });
    const first = await gateway.authenticate(bearer(token));
    const second = await gateway.authenticate(bearer(token));
    expect(second.value).not.toBe(first.value);
    expect(gateway.cache.size).toBe(0);
  });
});

describe('framework-free on node:http', () => {
  let upstream: RecordingServer;
  let server: LoopbackServer;
  let origin: string;
  let gateway: Gateway;

  beforeAll(async () => {
    upstream = await startRecordingServer();
    gateway = gatewayFor();
    server = await listenOnLoopback((req, res) => {
      gateway.strip(req.headers);
      gateway.authenticate(req.headersDistinct, { request: req }).then(
        async ({ value }) => {
          const response = await fetch(`${upstream.origin}${req.url}`, {
            headers: { [gateway.relay.header]: value },
          });
          res.writeHead(response.status, { 'content-type': 'application/json' });
          res.end(await response.text());
        },
        (error: unknown) => {
          if (!isPassportError(error)) throw error;
          const { status, headers, body } = gateway.refusal(error);
          res.writeHead(status, headers).end(body);
        },
      );
    });
    origin = server.origin;
  });
  afterAll(async () => {
    await server.close();
    await upstream.close();
  });

  it('forwards the minted passport, and not the client one, to the upstream', async () => {
    const reply = await send(`${origin}/orders`, {
      ...bearer(await idp.token({ sub: 'user-1' })),
      Passport: 'forged',
    });
    expect(reply.status).toBe(200);
    expect(gateway.relay.verify(reply.json.headers.passport).sub).toBe('user-1');
  });

  it('answers a refusal without calling the upstream', async () => {
    const before = upstream.requests.length;
    const reply = await send(`${origin}/orders`, { Passport: 'forged' });
    expect(reply.status).toBe(401);
    expect(reply.headers['www-authenticate']).toBe('Bearer realm="gateway"');
    expect(reply.json).toMatchObject({ code: 'ERR_PASSPORT_MISSING' });
    expect(upstream.requests.length).toBe(before);
  });
});
