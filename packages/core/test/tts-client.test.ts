import { generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, type JWK, jwtVerify, SignJWT } from 'jose';
import Provider, { errors } from 'oidc-provider';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createTtsClient,
  isPassportError,
  type PassportError,
  publicTxnTokenJwk,
  SUBJECT_TOKEN_TYPES,
  TOKEN_EXCHANGE_GRANT,
  TokenServiceError,
  type TtsClientOptions,
  TXN_TOKEN_TYPE_URN,
  txnTokenCodec,
  unsignedJsonSubjectToken,
} from '../src/index.js';

/**
 * The peer: a Transaction Token Service built on oidc-provider (a certified OAuth server), with the
 * draft's token-exchange profile registered as a grant. It authenticates clients itself
 * (private_key_jwt), validates subject tokens with jose, and mints Txn-Tokens with jose, so no code
 * of the SDK is on the server side.
 */
const TRUST_DOMAIN = 'trust-domain.example';
const IDP = 'https://idp.test/';
const ec = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ttsKey = ec();
const rogueKey = ec();
const idpKey = ec();
const clientKey = ec();
const jwk = (key: KeyObject, kid: string): JWK =>
  ({ ...key.export({ format: 'jwk' }), kid, alg: 'ES256' }) as JWK;
const idpKeys = createLocalJWKSet({ keys: [jwk(idpKey.publicKey, 'idp-1')] });

/** How the TTS misbehaves in the next request. */
let mode: 'normal' | 'slow' | 'wrong-type' | 'rogue-key' | 'refresh-token' | 'bearer' = 'normal';
let attempts = 0;
let lastParams: Record<string, unknown> = {};
let server: Server;
let tokenEndpoint: string;
let issuer: string;

/** oidc-provider's Koa context, as far as this grant reads it. */
interface GrantContext {
  oidc: { params: Record<string, unknown>; client: { clientId: string } };
  body: unknown;
}

async function handleTokenExchange(ctx: GrantContext): Promise<void> {
  attempts++;
  const params = ctx.oidc.params as Record<string, string | undefined>;
  lastParams = { ...params };
  if (mode === 'slow') await new Promise((resolve) => setTimeout(resolve, 1500));
  if (params.audience !== TRUST_DOMAIN) {
    throw new errors.InvalidRequest('audience must be this trust domain');
  }
  if (params.requested_token_type !== TXN_TOKEN_TYPE_URN) {
    throw new errors.InvalidRequest('requested_token_type must be txn_token');
  }
  let sub: string;
  let granted: string[];
  if (params.subject_token_type === SUBJECT_TOKEN_TYPES.accessToken) {
    try {
      const { payload } = await jwtVerify(params.subject_token as string, idpKeys, {
        issuer: IDP,
        audience: 'api',
      });
      sub = String(payload.sub);
      granted = String(payload.scope ?? '').split(' ');
    } catch {
      throw new errors.InvalidGrant('subject_token is not valid');
    }
  } else if (params.subject_token_type === SUBJECT_TOKEN_TYPES.unsignedJson) {
    sub = JSON.parse(params.subject_token as string).sub;
    granted = ['reports.nightly'];
  } else {
    throw new errors.InvalidRequest('unsupported subject_token_type');
  }
  const scope = String(params.scope).split(' ');
  if (!scope.every((value) => granted.includes(value))) {
    throw new errors.InvalidScope('scope exceeds the subject token', scope.join(' '));
  }
  const claims: Record<string, unknown> = {
    txn: randomUUID(),
    sub,
    scope: scope.join(' '),
    req_wl: ctx.oidc.client.clientId,
  };
  if (params.request_context) claims.rctx = JSON.parse(params.request_context);
  if (params.request_details) claims.tctx = JSON.parse(params.request_details);
  const token = await new SignJWT(claims)
    .setProtectedHeader({
      alg: 'ES256',
      typ: 'txntoken+jwt',
      kid: mode === 'rogue-key' ? 'rogue-1' : 'tts-1',
    })
    .setAudience(TRUST_DOMAIN)
    .setIssuedAt()
    .setExpirationTime('60s')
    .sign(mode === 'rogue-key' ? rogueKey.privateKey : ttsKey.privateKey);
  ctx.body = {
    access_token: token,
    issued_token_type:
      mode === 'wrong-type' ? 'urn:ietf:params:oauth:token-type:access_token' : TXN_TOKEN_TYPE_URN,
    token_type: mode === 'bearer' ? 'Bearer' : 'N_A',
    expires_in: 60,
    ...(mode === 'refresh-token' ? { refresh_token: 'never' } : {}),
  };
}

beforeAll(async () => {
  server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'edge-gateway',
        token_endpoint_auth_method: 'private_key_jwt',
        token_endpoint_auth_signing_alg: 'ES256',
        jwks: { keys: [jwk(clientKey.publicKey, 'client-1')] as never },
        grant_types: [TOKEN_EXCHANGE_GRANT],
        redirect_uris: [],
        response_types: [],
      },
    ],
    features: { devInteractions: { enabled: false } },
  });
  provider.registerGrantType(TOKEN_EXCHANGE_GRANT, handleTokenExchange, [
    'audience',
    'scope',
    'requested_token_type',
    'subject_token',
    'subject_token_type',
    'request_context',
    'request_details',
  ]);
  server.on('request', provider.callback());
  tokenEndpoint = `${issuer}/token`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  mode = 'normal';
  attempts = 0;
  lastParams = {};
});

function client(overrides: Partial<TtsClientOptions> = {}) {
  return createTtsClient({
    tokenEndpoint,
    allowInsecureLoopback: true,
    clientId: 'edge-gateway',
    clientAuth: {
      method: 'private_key_jwt',
      key: { alg: 'ES256', kid: 'client-1', key: clientKey.privateKey },
    },
    codec: txnTokenCodec({
      trustDomain: TRUST_DOMAIN,
      keys: {
        keys: [publicTxnTokenJwk({ alg: 'ES256', kid: 'tts-1', key: ttsKey.privateKey }, 't')],
      },
    }),
    timeoutMs: 1000,
    retries: 1,
    ...overrides,
  });
}

function accessToken(scope = 'orders.read orders.write'): Promise<string> {
  return new SignJWT({ sub: 'user-1', scope })
    .setProtectedHeader({ alg: 'ES256', kid: 'idp-1', typ: 'at+jwt' })
    .setIssuer(IDP)
    .setAudience('api')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(idpKey.privateKey);
}

async function refusalOf(promise: Promise<unknown>): Promise<PassportError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isPassportError(error)) throw new Error(`expected a PassportError, got ${String(error)}`);
  return error;
}

describe('TTS client against an oidc-provider token service', () => {
  it('exchanges an access token for a verified Txn-Token', async () => {
    const subjectToken = await accessToken();
    const issued = await client().exchange({
      subjectToken,
      subjectTokenType: SUBJECT_TOKEN_TYPES.accessToken,
      scope: ['orders.read'],
      requestContext: { req_ip: '203.0.113.7', authn: 'urn:ietf:rfc:6750' },
      requestDetails: { action: 'BUY', ticker: 'MSFT' },
    });
    expect(issued.claims).toMatchObject({
      sub: 'user-1',
      aud: TRUST_DOMAIN,
      scope: 'orders.read',
      req_wl: 'edge-gateway',
      rctx: { req_ip: '203.0.113.7' },
      tctx: { action: 'BUY', ticker: 'MSFT' },
    });
    expect(lastParams).toMatchObject({
      grant_type: TOKEN_EXCHANGE_GRANT,
      requested_token_type: TXN_TOKEN_TYPE_URN,
      audience: TRUST_DOMAIN,
      subject_token_type: SUBJECT_TOKEN_TYPES.accessToken,
    });
    expect(issued.token).not.toContain(subjectToken);
  });

  it('starts a transaction from an unsigned JSON subject', async () => {
    const issued = await client().exchange({
      subjectToken: unsignedJsonSubjectToken({ sub: 'nightly-reports' }),
      subjectTokenType: SUBJECT_TOKEN_TYPES.unsignedJson,
      scope: 'reports.nightly',
    });
    expect(issued.claims.sub).toBe('nightly-reports');
  });

  it('maps invalid_request to a TokenServiceError, without retrying', async () => {
    const wrongDomain = client({
      codec: txnTokenCodec({
        trustDomain: 'elsewhere.example',
        keys: [{ alg: 'ES256', key: ttsKey.publicKey }],
      }),
    });
    const subjectToken = await accessToken();
    const error = await refusalOf(
      wrongDomain.exchange({
        subjectToken,
        subjectTokenType: SUBJECT_TOKEN_TYPES.accessToken,
        scope: 'orders.read',
      }),
    );
    expect(error).toBeInstanceOf(TokenServiceError);
    expect(error.code).toBe('ERR_TTS_REFUSED');
    expect((error as TokenServiceError).oauthError).toBe('invalid_request');
    expect(error.message).not.toContain(subjectToken);
    expect(attempts).toBe(1);
  });

  it('maps a widened scope to invalid_scope', async () => {
    const error = await refusalOf(
      client().exchange({
        subjectToken: await accessToken('orders.read'),
        subjectTokenType: SUBJECT_TOKEN_TYPES.accessToken,
        scope: 'orders.read admin',
      }),
    );
    expect((error as TokenServiceError).oauthError).toBe('invalid_scope');
  });

  it('is refused by the TTS when its client key is not the registered one', async () => {
    const error = await refusalOf(
      client({
        clientAuth: {
          method: 'private_key_jwt',
          key: { alg: 'ES256', kid: 'client-1', key: ec().privateKey },
        },
      }).exchange({
        subjectToken: await accessToken(),
        subjectTokenType: SUBJECT_TOKEN_TYPES.accessToken,
        scope: 'orders.read',
      }),
    );
    expect((error as TokenServiceError).oauthError).toBe('invalid_client');
  });

  it('refuses a response whose issued_token_type is not a Txn-Token', async () => {
    mode = 'wrong-type';
    const error = await refusalOf(
      client().exchange({
        subjectToken: await accessToken(),
        subjectTokenType: SUBJECT_TOKEN_TYPES.accessToken,
        scope: 'orders.read',
      }),
    );
    expect(error.code).toBe('ERR_TTS_RESPONSE');
    expect(error.message).toMatch(/not a Txn-Token/);
  });

  it('refuses a token_type other than N_A, and a refresh_token', async () => {
    for (const bad of ['bearer', 'refresh-token'] as const) {
      mode = bad;
      const error = await refusalOf(
        client().exchange({
          subjectToken: await accessToken(),
          subjectTokenType: SUBJECT_TOKEN_TYPES.accessToken,
          scope: 'orders.read',
        }),
      );
      expect(error.code).toBe('ERR_TTS_RESPONSE');
    }
  });

  it('never uses a token signed with a key it does not know', async () => {
    mode = 'rogue-key';
    const error = await refusalOf(
      client().exchange({
        subjectToken: await accessToken(),
        subjectTokenType: SUBJECT_TOKEN_TYPES.accessToken,
        scope: 'orders.read',
      }),
    );
    expect(error.code).toBe('ERR_TTS_RESPONSE');
    expect((error.cause as PassportError).code).toBe('ERR_PASSPORT_KEY_UNKNOWN');
  });

  it('gives up on a slow TTS after a bounded number of attempts', async () => {
    mode = 'slow';
    const error = await refusalOf(
      client({ timeoutMs: 200, retries: 1 }).exchange({
        subjectToken: await accessToken(),
        subjectTokenType: SUBJECT_TOKEN_TYPES.accessToken,
        scope: 'orders.read',
      }),
    );
    expect(error.code).toBe('ERR_TTS_UNAVAILABLE');
    expect(error.status).toBe(503);
    expect(error.message).toMatch(/2 attempt/);
    expect(attempts).toBe(2);
  });

  it('reports a TTS that is down as unavailable', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const subjectToken = await accessToken();
    const error = await refusalOf(
      client({ tokenEndpoint: `http://127.0.0.1:${port}/token` }).exchange({
        subjectToken,
        subjectTokenType: SUBJECT_TOKEN_TYPES.accessToken,
        scope: 'orders.read',
      }),
    );
    expect(error.code).toBe('ERR_TTS_UNAVAILABLE');
    expect(error.message).not.toContain(subjectToken);
  });

  it('accepts https endpoints only, and http on loopback only when allowed', () => {
    const code = (fn: () => unknown) => {
      try {
        fn();
        return 'accepted';
      } catch (error) {
        return isPassportError(error) ? error.code : 'other';
      }
    };
    expect(code(() => client({ allowInsecureLoopback: false }))).toBe('ERR_PASSPORT_OPTIONS');
    expect(code(() => client({ tokenEndpoint: 'http://tts.example/token' }))).toBe(
      'ERR_PASSPORT_OPTIONS',
    );
    expect(code(() => client({ tokenEndpoint: 'https://tts.example/token' }))).toBe('accepted');
  });

  it('never sends a refresh token as the subject', async () => {
    await expect(
      client().exchange({
        subjectToken: 'r',
        subjectTokenType: 'urn:ietf:params:oauth:token-type:refresh_token',
        scope: 'orders.read',
      }),
    ).rejects.toMatchObject({ code: 'ERR_PASSPORT_OPTIONS' });
    expect(attempts).toBe(0);
  });
});
