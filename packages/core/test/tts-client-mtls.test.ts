import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomUUID, X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { SignJWT } from 'jose';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTtsClient,
  isPassportError,
  type PassportError,
  SUBJECT_TOKEN_TYPES,
  TOKEN_EXCHANGE_GRANT,
  TokenServiceError,
  TXN_TOKEN_TYPE_URN,
  txnTokenCodec,
  unsignedJsonSubjectToken,
} from '../src/index.js';

/**
 * Mutual TLS client authentication (RFC 8705 tls_client_auth) against an oidc-provider token
 * service on https: the workload proves itself with its certificate, and authenticates the TTS
 * by its CA (draft §11.5). Certificates are made at run time with the openssl CLI.
 */
const TRUST_DOMAIN = 'trust-domain.example';
const ttsKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
let dir: string;
let server: Server;
let tokenEndpoint: string;
const pem: Record<string, string> = {};

function openssl(...args: string[]): void {
  try {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  } catch (error) {
    throw new Error(
      `the openssl CLI is needed to make test certificates (bash .ci/needs/txn.sh installs it): ${String(error)}`,
    );
  }
}

/** A P-256 key and a certificate for `cn` (with `san`) signed by `ca` (or self-signed). */
function certificate(name: string, cn: string, san: string, ca?: string): void {
  writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\n`);
  openssl(
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    `/CN=${cn}`,
  );
  if (ca === undefined) {
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-signkey',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
    );
  } else {
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${ca}.crt`,
      '-CAkey',
      `${ca}.key`,
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
    );
  }
  pem[`${name}.key`] = readFileSync(join(dir, `${name}.key`), 'utf8');
  pem[`${name}.crt`] = readFileSync(join(dir, `${name}.crt`), 'utf8');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'txn-mtls-'));
  openssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-subj',
    '/CN=test-ca',
    '-days',
    '1',
  );
  pem['ca.crt'] = readFileSync(join(dir, 'ca.crt'), 'utf8');
  certificate('server', '127.0.0.1', 'IP:127.0.0.1', 'ca');
  certificate('client', 'billing-worker', 'DNS:billing-worker', 'ca');
  certificate('rogue', '127.0.0.1', 'IP:127.0.0.1');

  server = createServer({
    key: pem['server.key'],
    cert: pem['server.crt'],
    ca: pem['ca.crt'],
    requestCert: true,
    rejectUnauthorized: false, // the token service decides, and answers invalid_client
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const issuer = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const socketOf = (ctx: KoaContextWithOIDC) => ctx.req.socket as TLSSocket;
  const configuration: Configuration = {
    clients: [
      {
        client_id: 'billing-worker',
        token_endpoint_auth_method: 'tls_client_auth',
        tls_client_auth_subject_dn: 'CN=billing-worker',
        grant_types: [TOKEN_EXCHANGE_GRANT],
        redirect_uris: [],
        response_types: [],
      },
    ],
    clientAuthMethods: ['tls_client_auth'],
    features: {
      devInteractions: { enabled: false },
      mTLS: {
        enabled: true,
        tlsClientAuth: true,
        getCertificate(ctx) {
          const peer = socketOf(ctx).getPeerCertificate();
          return peer?.raw ? new X509Certificate(peer.raw).toString() : undefined;
        },
        certificateAuthorized: (ctx) => socketOf(ctx).authorized,
        certificateSubjectMatches(ctx, property, expected) {
          const peer = socketOf(ctx).getPeerCertificate();
          const subject = new X509Certificate(peer.raw).subject.split('\n').join(',');
          return property === 'tls_client_auth_subject_dn' && subject === expected;
        },
      },
    },
  };
  const provider = new Provider(issuer, configuration);
  provider.registerGrantType(
    TOKEN_EXCHANGE_GRANT,
    async (ctx: {
      oidc: { params: Record<string, string>; client: { clientId: string } };
      body: unknown;
    }) => {
      const { params } = ctx.oidc;
      const token = await new SignJWT({
        txn: randomUUID(),
        sub: JSON.parse(params.subject_token as string).sub,
        scope: params.scope,
        req_wl: ctx.oidc.client.clientId,
      })
        .setProtectedHeader({ alg: 'ES256', typ: 'txntoken+jwt', kid: 'tts-1' })
        .setAudience(params.audience as string)
        .setIssuedAt()
        .setExpirationTime('60s')
        .sign(ttsKey.privateKey);
      ctx.body = { access_token: token, issued_token_type: TXN_TOKEN_TYPE_URN, token_type: 'N_A' };
    },
    ['audience', 'scope', 'requested_token_type', 'subject_token', 'subject_token_type'],
  );
  server.on('request', provider.callback());
  tokenEndpoint = `${issuer}/token`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

function client(given: Partial<Record<'ca' | 'cert' | 'key', string | undefined>>) {
  const tls = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined));
  return createTtsClient({
    tokenEndpoint,
    clientId: 'billing-worker',
    clientAuth: { method: 'tls_client_auth' },
    tls,
    codec: txnTokenCodec({
      trustDomain: TRUST_DOMAIN,
      keys: [{ alg: 'ES256', kid: 'tts-1', key: ttsKey.publicKey }],
    }),
    retries: 0,
  });
}

const request = {
  subjectToken: unsignedJsonSubjectToken({ sub: 'billing-worker' }),
  subjectTokenType: SUBJECT_TOKEN_TYPES.unsignedJson,
  scope: 'invoices.send',
};

async function refusalOf(promise: Promise<unknown>): Promise<PassportError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isPassportError(error)) throw new Error(`expected a PassportError, got ${String(error)}`);
  return error;
}

describe('TTS client with mutual TLS', () => {
  it('authenticates with its certificate and gets a verified Txn-Token', async () => {
    const issued = await client({
      ca: pem['ca.crt'],
      cert: pem['client.crt'],
      key: pem['client.key'],
    }).exchange(request);
    expect(issued.claims).toMatchObject({
      sub: 'billing-worker',
      req_wl: 'billing-worker',
      aud: TRUST_DOMAIN,
    });
  });

  it('is refused (invalid_client) with a certificate from another CA', async () => {
    const error = await refusalOf(
      client({ ca: pem['ca.crt'], cert: pem['rogue.crt'], key: pem['rogue.key'] }).exchange(
        request,
      ),
    );
    expect(error).toBeInstanceOf(TokenServiceError);
    expect((error as TokenServiceError).oauthError).toBe('invalid_client');
  });

  it('never talks to a token service it cannot authenticate', async () => {
    const error = await refusalOf(
      client({ ca: pem['rogue.crt'], cert: pem['client.crt'], key: pem['client.key'] }).exchange(
        request,
      ),
    );
    expect(error.code).toBe('ERR_TTS_UNAVAILABLE');
  });

  it('needs a client certificate to be configured at all', () => {
    let code: string | undefined;
    try {
      client({ ca: pem['ca.crt'] });
    } catch (caught) {
      code = isPassportError(caught) ? caught.code : undefined;
    }
    expect(code).toBe('ERR_PASSPORT_OPTIONS');
  });
});
