import { generateKeyPairSync } from 'node:crypto';
import {
  createRelay,
  isPassportError,
  type PassportError,
  publicTxnTokenJwk,
  signedCodec,
  TXN_TOKEN_HEADER,
  txnTokenCodec,
} from '@passport-relay/core';
import { createTestRelay, type LoopbackServer, listenOnLoopback } from '@passport-relay/testing';
import express from 'express';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gatewayMiddleware } from '../src/express.js';
import {
  createGateway,
  createLocalTts,
  type GatewayOptions,
  type LocalTtsOptions,
} from '../src/index.js';
import { bearer, createIdentityProvider, type IdentityProvider } from './helpers.js';

const TRUST_DOMAIN = 'trust-domain.example';
const WORKLOAD = 'gateway.trust-domain.example';
const edgeKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signingKey = { alg: 'ES256' as const, kid: 'edge-txn-1', key: edgeKey.privateKey };
const publicJwk = publicTxnTokenJwk(signingKey, 'test');

let idp: IdentityProvider;
beforeAll(async () => {
  idp = await createIdentityProvider();
});

/** A workload's relay: verifies Txn-Tokens with the edge's public key only. */
function workloadCodec() {
  return txnTokenCodec({ trustDomain: TRUST_DOMAIN, keys: { keys: [publicJwk] } });
}

function localTts(overrides: Partial<LocalTtsOptions> = {}) {
  return createLocalTts({
    signingKey,
    trustDomain: TRUST_DOMAIN,
    workloadId: WORKLOAD,
    ...overrides,
  });
}

function txnGateway(overrides: Partial<GatewayOptions> = {}) {
  return createGateway({
    relay: createRelay({ codec: workloadCodec() }),
    txnToken: localTts(),
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

function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8'));
}

describe('the gateway as a local TTS', () => {
  it('mints a Txn-Token per request that a workload verifies with the public key only', async () => {
    const gateway = txnGateway();
    const accessToken = await idp.token({
      sub: 'user-1',
      email: 'a@example.com',
      scope: 'orders.read orders.write',
    });
    const first = await gateway.authenticate(bearer(accessToken), { clientIp: '203.0.113.7' });
    const second = await gateway.authenticate(bearer(accessToken), { clientIp: '203.0.113.7' });
    expect(gateway.relay.header).toBe(TXN_TOKEN_HEADER);
    const codec = workloadCodec();
    const workload = createRelay({ codec });
    expect(workload.verify(first.value)).toMatchObject({ sub: 'user-1', email: 'a@example.com' });
    const claims = codec.transactionOf(first.value);
    expect(claims).toMatchObject({
      sub: 'user-1',
      aud: TRUST_DOMAIN,
      req_wl: WORKLOAD,
      scope: 'orders.read orders.write',
      rctx: { req_ip: '203.0.113.7', authn: 'urn:ietf:rfc:6750' },
      tctx: { email: 'a@example.com' },
    });
    expect((claims?.exp ?? 0) - (claims?.iat ?? 0)).toBeLessThanOrEqual(60);
    // One transaction per request: never the same txn twice.
    expect(first.value).not.toBe(second.value);
    expect(claims?.txn).not.toBe(payloadOf(second.value).txn);
    expect(first.txnToken).toBe(first.value);
    expect(first.context.token).toBe(first.value);
  });

  it('never embeds the access token: the token and its payload do not contain it', async () => {
    const accessToken = await idp.token({ sub: 'user-1', scope: 'orders.read' });
    const { value } = await txnGateway().authenticate(bearer(accessToken));
    const payload = Buffer.from(value.split('.')[1] as string, 'base64url').toString('utf8');
    for (const haystack of [value, payload]) {
      expect(haystack).not.toContain(accessToken);
      for (const segment of accessToken.split('.')) expect(haystack).not.toContain(segment);
    }
  });

  it('refuses to mint when a claim mapping would carry the access token into tctx', async () => {
    const accessToken = await idp.token({ sub: 'user-1', scope: 'orders.read' });
    const gateway = txnGateway({
      toPassport: (claims, request) => ({
        sub: String(claims.sub),
        leaked: String((request as { authorization: string }).authorization).slice(7),
      }),
    });
    const error = await refusalOf(
      gateway.authenticate(bearer(accessToken), { request: bearer(accessToken) }),
    );
    expect(error.code).toBe('ERR_TXN_TOKEN_ACCESS_TOKEN_EMBEDDED');
    expect(error.message).not.toContain(accessToken);
  });

  it('lets the scope function narrow the user token scope', async () => {
    const gateway = txnGateway({
      txnToken: localTts({ scope: (granted) => granted.filter((s) => s.endsWith('.read')) }),
    });
    const { value } = await gateway.authenticate(
      bearer(await idp.token({ sub: 'u', scope: 'orders.read orders.write' })),
    );
    expect(payloadOf(value).scope).toBe('orders.read');
  });

  it('refuses a widened scope with 403 ERR_TXN_TOKEN_SCOPE_WIDENED', async () => {
    const gateway = txnGateway({ txnToken: localTts({ scope: () => 'orders.read admin' }) });
    const error = await refusalOf(
      gateway.authenticate(bearer(await idp.token({ sub: 'u', scope: 'orders.read' }))),
    );
    expect(error.code).toBe('ERR_TXN_TOKEN_SCOPE_WIDENED');
    expect(error.status).toBe(403);
  });

  it('reads scp lists too', async () => {
    const { value } = await txnGateway().authenticate(
      bearer(await idp.token({ sub: 'u', scp: ['a.read', 'b.read'] })),
    );
    expect(payloadOf(value).scope).toBe('a.read b.read');
  });

  it('never outlives the user token', async () => {
    const { value } = await txnGateway({ txnToken: localTts({ ttlSeconds: 600 }) }).authenticate(
      bearer(await idp.token({ sub: 'u', scope: 's' }, { expiresIn: 30 })),
    );
    const { exp } = payloadOf(value) as { exp: number };
    expect(exp).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 30);
  });
});

describe('migration: the gateway mints both formats', () => {
  it('sends the passport on its header and the Txn-Token on txn-token', async () => {
    const edge = createTestRelay({ forwardHeaders: [TXN_TOKEN_HEADER] });
    const gateway = createGateway({
      relay: edge.relay,
      txnToken: localTts(),
      jwks: idp.jwks,
      issuer: idp.issuer,
      audience: idp.audience,
      algorithms: ['ES256'],
    });
    expect(gateway.stripHeaders).toContain(TXN_TOKEN_HEADER);
    const result = await gateway.authenticate(
      bearer(await idp.token({ sub: 'user-1', scope: 'orders.read' })),
    );
    const passports = createRelay({
      codec: signedCodec({ keys: [edge.verificationKey!], issuer: edge.issuer }),
    });
    expect(passports.verify(result.value).sub).toBe('user-1');
    expect(createRelay({ codec: workloadCodec() }).verify(result.txnToken!).sub).toBe('user-1');
    const headers = Object.fromEntries(result.context.headers);
    expect(headers.passport).toBe(result.value);
    expect(headers[TXN_TOKEN_HEADER]).toBe(result.txnToken);
  });

  it('refuses to start when the Txn-Token has no way downstream or cannot be verified', () => {
    const base = {
      jwks: idp.jwks,
      issuer: idp.issuer,
      audience: idp.audience,
      algorithms: ['ES256'] as const,
    };
    expect(() =>
      createGateway({
        ...base,
        algorithms: ['ES256'],
        relay: createTestRelay().relay,
        txnToken: localTts(),
      }),
    ).toThrow(/forwardHeaders/);
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    expect(() =>
      createGateway({
        ...base,
        algorithms: ['ES256'],
        relay: createRelay({
          codec: txnTokenCodec({
            trustDomain: TRUST_DOMAIN,
            keys: [{ alg: 'ES256', kid: 'edge-txn-1', key: stranger }],
          }),
        }),
        txnToken: localTts(),
      }),
    ).toThrow(/public half/);
  });
});

describe('Express, Txn-Tokens only', () => {
  let server: LoopbackServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('strips a client Txn-Token, mints one with req_ip, and runs the handler in its context', async () => {
    const codec = workloadCodec();
    const gateway = txnGateway({ relay: createRelay({ codec }) });
    const app = express();
    app.use(gatewayMiddleware(gateway));
    app.get('/me', (req, res) => {
      res.json({
        header: req.headers[TXN_TOKEN_HEADER],
        context: gateway.relay.currentContext()?.token,
        transaction: codec.currentTransaction(gateway.relay),
        passport: gateway.relay.current(),
      });
    });
    server = await listenOnLoopback(app);
    const forged = 'eyJhbGciOiJub25lIiwidHlwIjoidHhudG9rZW4rand0In0.e30.';
    const response = await fetch(`${server.origin}/me`, {
      headers: {
        ...bearer(await idp.token({ sub: 'user-1', scope: 'orders.read' })),
        'txn-token': forged,
      },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      header: string;
      context: string;
      transaction: { rctx: { req_ip: string }; txn: string };
      passport: { sub: string };
    };
    expect(body.header).not.toBe(forged);
    expect(body.context).toBe(body.header);
    expect(body.transaction.rctx.req_ip).toMatch(/127\.0\.0\.1/);
    expect(body.passport.sub).toBe('user-1');
  });
});
