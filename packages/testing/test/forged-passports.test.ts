import { createServer, type OutgoingHttpHeaders, request } from 'node:http';
import {
  isPassportError,
  PASSPORT_ERRORS,
  type Relay,
  refusalResponse,
  type StandardSchemaV1,
} from '@passport-relay/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestRelay,
  type ForgedPassport,
  forgedPassports,
  type LoopbackServer,
  listenOnLoopback,
} from '../src/index.js';
import { signJws } from '../src/internal/jws.js';

/** A Standard Schema (what zod, valibot and arktype implement) that requires a string `tenant`. */
const tenantRequired: StandardSchemaV1<unknown, { sub: string; tenant: string }> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: (value) =>
      typeof (value as { tenant?: unknown }).tenant === 'string'
        ? { value: value as { sub: string; tenant: string } }
        : { issues: [{ message: 'tenant is required' }] },
  },
};
const claims = { sub: 'mallory', tenant: 't1' };

/** A service that makes the inbound decision on every request and answers a refusal as core says. */
async function serviceFor(relay: Relay<object>): Promise<LoopbackServer> {
  const server = createServer((req, res) => {
    try {
      relay.extract(req.headers, { required: true });
      res.writeHead(200).end('accepted');
    } catch (error) {
      if (!isPassportError(error)) throw error;
      const refusal = refusalResponse(error);
      res.writeHead(refusal.status, refusal.headers).end(refusal.body);
    }
  });
  return listenOnLoopback(server);
}

/** Send the raw header list as is (two passport lines stay two); the answer's status and code. */
function send(origin: string, headers: readonly string[]) {
  return new Promise<{ status: number; code: unknown }>((resolve, reject) => {
    const req = request(
      `${origin}/`,
      {
        // A raw list gets no Host header from Node, and the server requires one.
        headers: ['host', new URL(origin).host, ...headers] as unknown as OutgoingHttpHeaders,
        agent: false,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => {
          const code =
            res.statusCode === 200 ? undefined : (JSON.parse(text) as { code: unknown }).code;
          resolve({ status: res.statusCode ?? 0, code });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe.each(['EdDSA', 'HS256', 'plain'] as const)('forgedPassports for a %s relay', (mode) => {
  const test = createTestRelay({ mode, schema: tenantRequired });
  const cases = forgedPassports(test, { claims, schemaRefused: { sub: 'mallory' } });
  let service: LoopbackServer;
  beforeAll(async () => {
    service = await serviceFor(test.relay);
  });
  afterAll(() => service.close());

  it.each(cases)(
    '$name is refused over HTTP with $status $code',
    async ({ code, status, headers }: ForgedPassport) => {
      expect(await send(service.origin, headers)).toEqual({ status, code });
    },
  );

  it('accepts a passport the relay issued with the same claims, so each refusal is the forgery’s', async () => {
    const headers = [test.relay.header, test.relay.issue(claims)];
    expect(await send(service.origin, headers)).toEqual({ status: 200, code: undefined });
  });
});

describe('forgedPassports', () => {
  /** Codes that are not about the passport a request carries: keys, options, issuing. */
  const notInbound = new Set([
    'ERR_PASSPORT_UNAVAILABLE',
    'ERR_PASSPORT_OPTIONS',
    'ERR_PASSPORT_CANNOT_ISSUE',
  ]);
  // The Txn-Token profile's codes (ERR_TXN_TOKEN_*, ERR_TTS_*) are its own codec's to test.
  const inboundCodes = Object.keys(PASSPORT_ERRORS).filter(
    (code) => code.startsWith('ERR_PASSPORT_') && !notInbound.has(code),
  );
  const signedCodes = inboundCodes.filter((code) => code !== 'ERR_PASSPORT_SCHEMA');

  it('covers every inbound refusal code core has for a signed relay, the schema’s only when asked', () => {
    const test = createTestRelay({ schema: tenantRequired });
    const codes = (table: ForgedPassport[]) => [...new Set(table.map(({ code }) => code))].sort();
    expect(codes(forgedPassports(test, { claims }))).toEqual([...signedCodes].sort());
    expect(codes(forgedPassports(test, { claims, schemaRefused: { sub: 'm' } }))).toEqual(
      [...inboundCodes].sort(),
    );
  });

  it('gives each case the status its code maps to in core', () => {
    for (const { code, status } of forgedPassports(createTestRelay())) {
      expect(status).toBe(PASSPORT_ERRORS[code].status);
    }
  });

  it('sends the tokens as the relay’s passport header, one line each', () => {
    const test = createTestRelay({ header: 'x-passport' });
    for (const { headers, tokens } of forgedPassports(test)) {
      expect(headers).toEqual(tokens.flatMap((token) => ['x-passport', token]));
    }
  });

  it('makes the oversized passport larger than a custom limit, and the relay refuses it', () => {
    const test = createTestRelay({ limits: { maxHeaderBytes: 8192 } });
    const oversized = forgedPassports(test, { maxHeaderBytes: 8192 }).find(
      ({ code }) => code === 'ERR_PASSPORT_TOO_LARGE',
    )!;
    expect(oversized.tokens[0]!.length).toBeGreaterThan(8192);
    expect(() => test.relay.verify(oversized.tokens[0]!)).toThrow(
      expect.objectContaining({ code: 'ERR_PASSPORT_TOO_LARGE' }),
    );
  });

  it('refuses a signed test relay without its signing key, saying how to make one', () => {
    const test = { ...createTestRelay(), signingKey: undefined };
    expect(() => forgedPassports(test)).toThrow(/createTestRelay\(\{ mode: "EdDSA" \}\)/);
  });
});

describe('the JWS signer the forgeries are made with', () => {
  it.each(['EdDSA', 'HS256'] as const)(
    'makes passports a %s relay accepts when nothing is wrong with them',
    (mode) => {
      const { relay, signingKey, issuer } = createTestRelay({ mode });
      const now = Math.floor(Date.now() / 1000);
      const token = signJws(
        signingKey!,
        { alg: signingKey!.alg, kid: signingKey!.kid, typ: 'JWT' },
        { sub: 'user-1', iss: issuer, iat: now, exp: now + 60 },
      );
      expect(relay.verify(token)).toMatchObject({ sub: 'user-1' });
    },
  );
});
