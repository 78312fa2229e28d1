import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createRelay,
  DIAGNOSTICS_CHANNELS,
  type HeaderAccess,
  PassportError,
  refusalResponse,
  signedCodec,
  TRACING_HEADERS,
} from '../src/index.js';
import { claims, forge, hmacSecret, ISSUER, now } from './helpers.js';

const secret = hmacSecret();
const codec = signedCodec({
  issuer: ISSUER,
  keys: [{ alg: 'HS256', kid: 'k', secret }],
  signingKey: { alg: 'HS256', kid: 'k', secret },
});
const relay = createRelay({ codec, forwardHeaders: TRACING_HEADERS });
const mint = (sub: string, extra: Record<string, unknown> = {}) => relay.issue({ sub, ...extra });

const recordAccess: HeaderAccess<Record<string, string>> = {
  has: (carrier, name) => Object.keys(carrier).some((key) => key.toLowerCase() === name),
  set: (carrier, name, value) => {
    carrier[name] = value;
  },
};

describe('inbound decision: extract', () => {
  it('returns the verified passport and the forwarded headers', () => {
    const token = mint('user-1');
    const context = relay.extract({ passport: token, 'x-request-id': 'r-1', 'x-other': 'no' });
    expect(context.passport?.sub).toBe('user-1');
    expect(context.token).toBe(token);
    expect(context.forwarded).toEqual([['x-request-id', 'r-1']]);
    expect(context.headers).toEqual([
      ['passport', token],
      ['x-request-id', 'r-1'],
    ]);
  });

  it('returns an anonymous context when there is no passport and none is required', () => {
    const context = relay.extract({ traceparent: '00-abc-def-01' });
    expect(context.passport).toBeUndefined();
    expect(context.headers).toEqual([['traceparent', '00-abc-def-01']]);
  });

  it('refuses a missing passport when required, with 401', () => {
    expect(() => relay.extract({}, { required: true })).toThrow(
      expect.objectContaining({ code: 'ERR_PASSPORT_MISSING', status: 401 }),
    );
  });

  it('refuses two passport headers, as an array or as Node joins them', () => {
    const token = mint('user-1');
    for (const value of [[token, mint('user-2')], `${token}, ${mint('user-2')}`]) {
      expect(() => relay.extract({ passport: value })).toThrow(
        expect.objectContaining({ code: 'ERR_PASSPORT_DUPLICATE', status: 400 }),
      );
    }
  });

  it('refuses an oversized header with 431 before decoding it', () => {
    const big = 'a'.repeat(4097);
    expect(() => relay.extract({ passport: big })).toThrow(
      expect.objectContaining({ code: 'ERR_PASSPORT_TOO_LARGE', status: 431 }),
    );
  });

  it('honours a configured size limit', () => {
    const small = createRelay({ codec, limits: { maxHeaderBytes: 128 } });
    expect(() => small.extract({ passport: mint('user-1') })).toThrow(
      expect.objectContaining({ code: 'ERR_PASSPORT_TOO_LARGE' }),
    );
  });

  it('refuses an empty header value as malformed', () => {
    expect(() => relay.extract({ passport: '' })).toThrow(
      expect.objectContaining({ code: 'ERR_PASSPORT_MALFORMED' }),
    );
  });

  it('reads a custom header name, lower-cased', () => {
    const custom = createRelay({ codec, header: 'X-Passport' });
    expect(custom.header).toBe('x-passport');
    expect(custom.extract({ 'x-passport': mint('user-1') }).passport?.sub).toBe('user-1');
  });
});

describe('verification cache', () => {
  it('serves a repeated token from the cache and is bounded', () => {
    const bounded = createRelay({ codec, cache: { maxEntries: 3 } });
    const tokens = Array.from({ length: 5 }, (_, i) => mint(`user-${i}`));
    for (const token of tokens) bounded.verify(token);
    expect(bounded.cache).toMatchObject({ size: 3, maxEntries: 3 });
    expect(bounded.verify(tokens[4]!)).toBe(bounded.verify(tokens[4]!));
  });

  it('never serves an entry past the passport exp', async () => {
    const shortLived = createRelay({
      codec: signedCodec({
        issuer: ISSUER,
        keys: [{ alg: 'HS256', secret }],
        clockToleranceSeconds: 0,
      }),
    });
    const token = forge({ alg: 'HS256' }, claims({ exp: now() + 1 }), { hmac: secret });
    expect(shortLived.verify(token).sub).toBe('user-1');
    await sleep(2100);
    expect(() => shortLived.verify(token)).toThrow(
      expect.objectContaining({ code: 'ERR_PASSPORT_EXPIRED' }),
    );
  });

  it('reuses the context of a cached passport, never across tokens or with forwarded headers', () => {
    const plainRelay = createRelay({ codec });
    const token = mint('user-1');
    const first = plainRelay.extract({ passport: token });
    expect(plainRelay.extract({ passport: `${token}` })).toBe(first);
    expect(first.headers).toEqual([['passport', token]]);
    const other = plainRelay.extract({ passport: mint('user-2') });
    expect(other).not.toBe(first);
    expect(other.passport?.sub).toBe('user-2');
    // With forwarded headers each request has its own values: a context of its own.
    const withTrace = relay.extract({ passport: token, traceparent: 'a' });
    expect(relay.extract({ passport: token, traceparent: 'b' })).not.toBe(withTrace);
    const uncached = createRelay({ codec, cache: false });
    expect(uncached.extract({ passport: token })).not.toBe(uncached.extract({ passport: token }));
  });

  it('serves only the exact value it verified: a value ending like a cached one is verified', () => {
    // The cache is keyed by a signed value's length and last characters (its signature's): a
    // forgery that keeps them, with other claims before them, must reach the signature check.
    const cached = createRelay({ codec });
    const token = mint('user-1');
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const otherPayload = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(payload, 'base64url').toString()),
        sub: 'user-2',
      }),
    ).toString('base64url');
    expect(otherPayload).toHaveLength(payload.length);
    const forged = `${header}.${otherPayload}.${signature}`;
    const passport = cached.verify(token);
    expect(() => cached.verify(forged)).toThrow(
      expect.objectContaining({ code: 'ERR_PASSPORT_SIGNATURE' }),
    );
    expect(() => cached.extract({ passport: forged })).toThrow(
      expect.objectContaining({ code: 'ERR_PASSPORT_SIGNATURE' }),
    );
    // The forgery took nothing from the cache and put nothing in it.
    expect(cached.verify(token)).toBe(passport);
    expect(cached.cache.size).toBe(1);
  });

  it('verifies every request when the cache is off', () => {
    const uncached = createRelay({ codec, cache: false });
    const token = mint('user-1');
    expect(uncached.verify(token)).not.toBe(uncached.verify(token));
    expect(uncached.cache.size).toBe(0);
  });
});

describe('context: current, require, run, bind', () => {
  it('has no passport outside any context', () => {
    expect(relay.current()).toBeUndefined();
    expect(() => relay.require()).toThrow(
      expect.objectContaining({ code: 'ERR_PASSPORT_MISSING' }),
    );
  });

  it('scopes a passport to run() across awaits', async () => {
    await relay.run({ sub: 'user-1' }, async () => {
      await sleep(1);
      expect(relay.require().sub).toBe('user-1');
    });
    expect(relay.current()).toBeUndefined();
  });

  it('keeps concurrent runs apart', async () => {
    const seen = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        relay.run({ sub: `user-${i}` }, async () => {
          await sleep(i % 7);
          return relay.current()?.sub;
        }),
      ),
    );
    expect(seen).toEqual(Array.from({ length: 200 }, (_, i) => `user-${i}`));
  });

  it('runs as nobody with run(undefined), even inside another context', () => {
    relay.run({ sub: 'user-1' }, () => {
      relay.run(undefined, () => expect(relay.current()).toBeUndefined());
    });
  });

  it('binds a callback to the context it was bound in', async () => {
    let later: (() => string | undefined) | undefined;
    relay.run({ sub: 'user-1' }, () => {
      later = relay.bind(() => relay.current()?.sub);
    });
    expect(await relay.run({ sub: 'user-2' }, async () => later?.())).toBe('user-1');
  });

  it('encodes a run() passport for outbound calls with the signing key', () => {
    relay.run({ sub: 'user-7', tenant: 't' }, () => {
      const headers = relay.outboundHeaders('http://orders');
      expect(headers).toHaveLength(1);
      expect(relay.verify(headers![0]![1])).toMatchObject({ sub: 'user-7', tenant: 't' });
    });
  });
});

describe('outbound decision', () => {
  const token = mint('user-1');
  const context = relay.extract({ passport: token, 'x-request-id': 'r-1' });

  it('adds the passport and forwarded headers for an allowed destination', () => {
    relay.runWith(context, () => {
      expect(relay.outboundHeaders('http://orders.shop.svc.cluster.local:8080')).toEqual([
        ['passport', token],
        ['x-request-id', 'r-1'],
      ]);
      expect(relay.outboundHeaders(new URL('http://payments/'))).toHaveLength(2);
      expect(relay.outboundHeaders({ hostname: '127.0.0.1' })).toHaveLength(2);
    });
  });

  it('adds nothing for a destination off the list, nor for metadata addresses', () => {
    relay.runWith(context, () => {
      expect(relay.outboundHeaders('https://api.stripe.com/v1')).toBeUndefined();
      expect(relay.outboundHeaders('http://169.254.169.254/latest/meta-data')).toBeUndefined();
      expect(relay.outboundHeaders('http://2852039166/')).toBeUndefined();
      expect(relay.outboundHeaders('not a url/')).toBeUndefined();
    });
  });

  it('adds nothing outside a context', () => {
    expect(relay.outboundHeaders('http://orders')).toBeUndefined();
  });

  it('lets a header the caller set win, never sending it twice', () => {
    relay.runWith(context, () => {
      const carrier: Record<string, string> = { Passport: 'explicit' };
      expect(relay.propagate('http://orders', carrier, recordAccess)).toBe(1);
      expect(carrier).toEqual({ Passport: 'explicit', 'x-request-id': 'r-1' });
    });
  });
});

describe('message carriers: inject and extract', () => {
  it('round-trips a passport through message headers', () => {
    const context = relay.extract({ passport: mint('user-3') });
    const message = relay.runWith(context, () => relay.inject({} as Record<string, unknown>));
    const consumed = relay.extract(message as Record<string, string>);
    expect(relay.runWith(consumed, () => relay.current()?.sub)).toBe('user-3');
  });

  it('reads Buffer header values as Kafka clients deliver them', () => {
    const context = relay.extract({ passport: Buffer.from(mint('user-4')) });
    expect(context.passport?.sub).toBe('user-4');
  });
});

describe('schema', () => {
  const schema = z.object({
    sub: z.string(),
    tenant: z.string().min(1),
    roles: z.array(z.string()),
  });
  const typed = createRelay({ codec, schema });

  it('types and accepts a passport that matches', () => {
    const passport = typed.verify(mint('user-1', { tenant: 't1', roles: ['a'] }));
    const tenant: string = passport.tenant;
    expect(tenant).toBe('t1');
  });

  it('refuses one that does not, naming the path but not the value', () => {
    try {
      typed.verify(mint('user-1', { tenant: '', roles: 'admin' }));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(PassportError);
      expect((error as PassportError).code).toBe('ERR_PASSPORT_SCHEMA');
      expect((error as PassportError).message).toMatch(/tenant.*roles|roles.*tenant/);
      expect((error as PassportError).message).not.toContain('admin');
    }
  });
});

describe('refusals render as problem+json', () => {
  it('gives status, content type, a challenge for 401 and no token', () => {
    const token = forge({ alg: 'HS256' }, claims({ exp: now() - 60 }), { hmac: secret });
    let error: PassportError | undefined;
    try {
      relay.extract({ passport: token });
    } catch (caught) {
      error = caught as PassportError;
    }
    const response = refusalResponse(error!);
    expect(response.status).toBe(401);
    expect(response.headers).toMatchObject({
      'content-type': 'application/problem+json',
      'www-authenticate': 'Passport error="ERR_PASSPORT_EXPIRED"',
    });
    expect(JSON.parse(response.body)).toEqual({
      type: 'urn:passport-relay:error:ERR_PASSPORT_EXPIRED',
      title: 'Passport expired',
      status: 401,
      detail: 'The passport has expired.',
      code: 'ERR_PASSPORT_EXPIRED',
    });
    expect(response.body).not.toContain(token.split('.')[1]);
  });
});

describe('diagnostics channels', () => {
  const events: [string, unknown][] = [];
  const listeners = Object.entries(DIAGNOSTICS_CHANNELS).map(([kind, name]) => {
    const listener = (message: unknown) => events.push([kind, message]);
    return [name, listener] as const;
  });
  afterEach(() => {
    for (const [name, listener] of listeners) unsubscribe(name, listener);
    events.length = 0;
  });

  it('publishes accepted, refused, injected and withheld, without tokens', () => {
    for (const [name, listener] of listeners) subscribe(name, listener);
    const token = mint('user-1');
    const context = relay.extract({ passport: token });
    expect(() => relay.extract({ passport: 'x.y.z' })).toThrow();
    relay.runWith(context, () => {
      relay.outboundHeaders('http://orders');
      relay.outboundHeaders('https://api.stripe.com');
    });
    expect(events.map(([kind]) => kind)).toEqual(['accepted', 'refused', 'injected', 'withheld']);
    expect(events[2]![1]).toEqual({ destination: 'http://orders', headers: ['passport'] });
    expect(events[3]![1]).toMatchObject({ reason: 'destination-not-allowed' });
    expect(JSON.stringify(events)).not.toContain(token);
  });

  it("names only the headers actually added, not the ones the caller's own header replaced", () => {
    for (const [name, listener] of listeners) subscribe(name, listener);
    const context = relay.extract({ passport: mint('user-1'), 'x-request-id': 'r-1' });
    const carrier: Record<string, string> = { Passport: 'callers-own' };
    const added = relay.runWith(context, () =>
      relay.propagate('http://orders', carrier, recordAccess),
    );
    expect(added).toBe(1);
    const injected = events.filter(([kind]) => kind === 'injected');
    expect(injected).toEqual([
      ['injected', { destination: 'http://orders', headers: ['x-request-id'] }],
    ]);
  });

  it('publishes withheld (caller-set), not injected, when the caller set every header', () => {
    for (const [name, listener] of listeners) subscribe(name, listener);
    const context = relay.extract({ passport: mint('user-1') });
    relay.runWith(context, () =>
      relay.propagate('http://orders', { passport: 'callers-own' }, recordAccess),
    );
    expect(events.filter(([kind]) => kind === 'injected')).toEqual([]);
    // Still a decision, so observers such as the doctor count the hop as decided.
    expect(events.filter(([kind]) => kind === 'withheld')).toEqual([
      ['withheld', { destination: 'http://orders', reason: 'caller-set' }],
    ]);
  });
});

describe('a destination the policy cannot read', () => {
  it.each(['fe80::1%lo', '[fe80::1%25lo]', 'http://[fe80::1%25lo]/'])(
    'is withheld from (%s), never thrown on',
    (host) => {
      const context = relay.extract({ passport: mint('user-1') });
      relay.runWith(context, () => {
        expect(relay.allows(host.startsWith('http') ? host : { hostname: host })).toBe(false);
        expect(relay.outboundHeaders({ hostname: host })).toBeUndefined();
        expect(relay.propagate({ hostname: host }, {}, recordAccess)).toBe(0);
      });
    },
  );
});

describe('options are validated at creation', () => {
  it.each([
    ['no codec', {}, /"codec" is required/],
    ['unknown option', { codec, propagateto: [] }, /unknown option "propagateto"/],
    ['bad header name', { codec, header: 'bad header' }, /not a valid HTTP header name/],
    ['authorization as header', { codec, header: 'authorization' }, /credential/],
    ['forwarding cookies', { codec, forwardHeaders: ['cookie'] }, /credential/],
    ['forwarding set-cookie', { codec, forwardHeaders: ['Set-Cookie'] }, /credential/],
    ['forwarding any proxy- header', { codec, forwardHeaders: ['proxy-foo'] }, /credential/],
    ['forwarding the passport header', { codec, forwardHeaders: ['passport'] }, /already/],
    ['a bad limit', { codec, limits: { maxHeaderBytes: 10 } }, /maxHeaderBytes/],
    ['a bad pattern', { codec, propagateTo: ['a b'] }, /not a host name/],
    ['a non-standard schema', { codec, schema: {} }, /Standard Schema/],
    ['a bad cache bound', { codec, cache: { maxEntries: -1 } }, /maxEntries/],
  ])('refuses %s with a message that says how to fix it', (_name, options, message) => {
    expect(() => createRelay(options as never)).toThrow(message);
    expect(() => createRelay(options as never)).toThrow(
      expect.objectContaining({ code: 'ERR_PASSPORT_OPTIONS' }),
    );
  });
});

describe('currentContext, canIssue, and issuing with a cap', () => {
  it('returns the whole context inside a request and undefined outside', () => {
    const context = relay.extract({ passport: mint('user-1'), 'x-request-id': 'r-9' });
    expect(relay.currentContext()).toBeUndefined();
    relay.runWith(context, () => expect(relay.currentContext()).toBe(context));
  });

  it('says whether it can issue', () => {
    const verifyOnly = createRelay({
      codec: signedCodec({ issuer: ISSUER, keys: [{ alg: 'HS256', secret }] }),
    });
    expect(relay.canIssue).toBe(true);
    expect(verifyOnly.canIssue).toBe(false);
  });

  it('never mints a passport that outlives the cap', () => {
    const cap = now() + 30;
    expect(relay.verify(relay.issue({ sub: 'user-1' }, { expiresAtMost: cap })).exp).toBe(cap);
    expect(
      relay.verify(relay.issue({ sub: 'user-1' }, { expiresAtMost: now() + 10_000 })).exp,
    ).toBe(now() + 300);
  });

  it('refuses to mint from a credential that has already expired', () => {
    expect(() => relay.issue({ sub: 'user-1' }, { expiresAtMost: now() - 1 })).toThrow(
      expect.objectContaining({ code: 'ERR_PASSPORT_CANNOT_ISSUE' }),
    );
  });
});

describe('default stores', () => {
  it('keep relays for different headers apart', () => {
    const other = createRelay({ codec, header: 'x-other-passport' });
    relay.run({ sub: 'user-1' }, () => {
      expect(other.current()).toBeUndefined();
      expect(createRelay({ codec }).current()?.sub).toBe('user-1');
    });
  });
});
