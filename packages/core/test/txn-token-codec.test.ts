import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRelay,
  DIAGNOSTICS_CHANNELS,
  isPassportError,
  narrowScope,
  PASSPORT_ERRORS,
  type PassportErrorCode,
  publicTxnTokenJwk,
  runInTransaction,
  TXN_TOKEN_HEADER,
  txnTokenCodec,
  txnTokenMinter,
} from '../src/index.js';
import { b64url, now } from './helpers.js';
import {
  type Alg,
  keyPair,
  signToken,
  TRUST_DOMAIN,
  txnClaims,
  WORKLOAD,
} from './txn-token.helpers.js';

const ALGS: Alg[] = ['ES256', 'RS256', 'PS256', 'EdDSA'];
const pairs = Object.fromEntries(ALGS.map((alg) => [alg, keyPair(alg)])) as Record<
  Alg,
  ReturnType<typeof keyPair>
>;
const es = pairs.ES256;

function codecFor(alg: Alg = 'ES256', extra: Record<string, unknown> = {}) {
  return txnTokenCodec({
    trustDomain: TRUST_DOMAIN,
    keys: [{ alg, kid: 'tts-1', key: pairs[alg].publicKey }],
    ...extra,
  });
}

function refusal(fn: () => unknown): PassportErrorCode | 'accepted' {
  try {
    fn();
    return 'accepted';
  } catch (error) {
    if (isPassportError(error)) return error.code;
    throw error;
  }
}

describe('txnTokenCodec: accepts what the draft allows', () => {
  for (const alg of ALGS) {
    it(`verifies a ${alg} Txn-Token signed by an independent JOSE library`, async () => {
      const relay = createRelay({ codec: codecFor(alg) });
      const body = txnClaims();
      const token = await new SignJWT(body)
        .setProtectedHeader({ alg, typ: 'txntoken+jwt', kid: 'tts-1' })
        .sign(pairs[alg].privateKey);
      const passport = relay.verify(token);
      expect(passport.sub).toBe('d084sdrt234fsaw34tr23t');
      expect(passport.ticker).toBe('MSFT');
    });
  }

  it('uses the txn-token header by default, and a named one when given', () => {
    expect(createRelay({ codec: codecFor() }).header).toBe(TXN_TOKEN_HEADER);
    expect(createRelay({ codec: codecFor(), header: 'x-txn' }).header).toBe('x-txn');
  });

  it('gives business code sub plus tctx, and the transaction through the context', () => {
    const codec = codecFor();
    const relay = createRelay({ codec });
    const token = signToken('ES256', es.privateKey, txnClaims());
    const context = relay.extract({ 'txn-token': token });
    relay.runWith(context, () => {
      expect(relay.require()).toMatchObject({ sub: 'd084sdrt234fsaw34tr23t', action: 'BUY' });
      expect(relay.require()).not.toHaveProperty('scope');
      const transaction = codec.currentTransaction(relay);
      expect(transaction?.txn).toBe('97053963-771d-49cc-a4e3-20aad399c312');
      expect(transaction?.scope).toBe('trade.stocks');
      expect(transaction?.req_wl).toBe(WORKLOAD);
      expect(transaction?.rctx).toEqual({ req_ip: '69.151.72.123', authn: 'face' });
    });
    expect(codec.currentTransaction(relay)).toBeUndefined();
  });

  it('maps claims with the user toPassport, keeping the token exp', () => {
    const codec = codecFor('ES256', {
      toPassport: (claims: { sub: string; tctx?: { customer_type?: { level?: string } } }) => ({
        sub: claims.sub,
        level: claims.tctx?.customer_type?.level,
        exp: 1,
      }),
    });
    const body = txnClaims();
    const passport = createRelay({ codec }).verify(signToken('ES256', es.privateKey, body));
    expect(passport).toEqual({
      sub: body.sub,
      level: 'VIP',
      txn: body.txn,
      exp: body.exp,
      iat: body.iat,
    });
  });

  it('accepts req_wl as a list and aud as a list naming the trust domain', () => {
    const relay = createRelay({ codec: codecFor() });
    const token = signToken(
      'ES256',
      es.privateKey,
      txnClaims({ req_wl: [WORKLOAD, 'orders'], aud: ['other.example', TRUST_DOMAIN] }),
    );
    expect(relay.verify(token).sub).toBe('d084sdrt234fsaw34tr23t');
  });
});

describe('txnTokenCodec: each MUST refused with its own code', () => {
  const relay = createRelay({ codec: codecFor(), cache: false });
  const withClaims = (overrides: Record<string, unknown>) =>
    refusal(() => relay.verify(signToken('ES256', es.privateKey, txnClaims(overrides))));
  const withHeader = (header: Record<string, unknown>) =>
    refusal(() => relay.verify(signToken('ES256', es.privateKey, txnClaims(), header)));

  it('typ must be txntoken+jwt', () => {
    expect(withHeader({ alg: 'ES256', kid: 'tts-1' })).toBe('ERR_TXN_TOKEN_TYPE');
    expect(withHeader({ alg: 'ES256', kid: 'tts-1', typ: 'JWT' })).toBe('ERR_TXN_TOKEN_TYPE');
    expect(withHeader({ alg: 'ES256', kid: 'tts-1', typ: 'at+jwt' })).toBe('ERR_TXN_TOKEN_TYPE');
    expect(withHeader({ alg: 'ES256', kid: 'tts-1', typ: 'application/txntoken+jwt' })).toBe(
      'accepted',
    );
  });

  it('aud must name the trust domain', () => {
    expect(withClaims({ aud: 'other-domain.example' })).toBe('ERR_TXN_TOKEN_AUDIENCE');
    expect(withClaims({ aud: undefined })).toBe('ERR_TXN_TOKEN_AUDIENCE');
    expect(withClaims({ aud: [] })).toBe('ERR_TXN_TOKEN_AUDIENCE');
  });

  it('exp must be present and in the future', () => {
    expect(withClaims({ exp: now() - 60, iat: now() - 120 })).toBe('ERR_PASSPORT_EXPIRED');
    expect(withClaims({ exp: undefined })).toBe('ERR_PASSPORT_CLAIM_INVALID');
    expect(withClaims({ exp: '9999999999' })).toBe('ERR_PASSPORT_CLAIM_INVALID');
  });

  it('iat must be a number and not in the future', () => {
    expect(withClaims({ iat: undefined })).toBe('ERR_TXN_TOKEN_CLAIM');
    expect(withClaims({ iat: 'now' })).toBe('ERR_TXN_TOKEN_CLAIM');
    expect(withClaims({ iat: now() + 600, exp: now() + 700 })).toBe('ERR_TXN_TOKEN_CLAIM');
  });

  for (const claim of ['txn', 'sub', 'scope', 'req_wl']) {
    it(`${claim} must be present and typed`, () => {
      expect(withClaims({ [claim]: undefined })).toBe('ERR_TXN_TOKEN_CLAIM');
      expect(withClaims({ [claim]: 42 })).toBe('ERR_TXN_TOKEN_CLAIM');
      expect(withClaims({ [claim]: '' })).toBe('ERR_TXN_TOKEN_CLAIM');
    });
  }

  it('req_wl as a list holds workload id strings only', () => {
    expect(withClaims({ req_wl: [] })).toBe('ERR_TXN_TOKEN_CLAIM');
    expect(withClaims({ req_wl: [WORKLOAD, 7] })).toBe('ERR_TXN_TOKEN_CLAIM');
  });

  it('tctx and rctx must be objects when present', () => {
    expect(withClaims({ tctx: ['BUY'] })).toBe('ERR_TXN_TOKEN_CLAIM');
    expect(withClaims({ rctx: 'ip' })).toBe('ERR_TXN_TOKEN_CLAIM');
    expect(withClaims({ tctx: undefined, rctx: undefined })).toBe('accepted');
  });

  it('iss must match when an issuer is configured', () => {
    const strict = createRelay({ codec: codecFor('ES256', { issuer: 'https://tts.example' }) });
    const token = signToken('ES256', es.privateKey, txnClaims({ iss: 'https://evil.example' }));
    expect(refusal(() => strict.verify(token))).toBe('ERR_PASSPORT_CLAIM_INVALID');
  });

  it('the algorithm is pinned per key: another algorithm, none, or HS256 is refused', () => {
    // An RS256 key cannot verify a PS256 token, even with the same RSA key pair.
    const rsaOnly = createRelay({ codec: codecFor('RS256') });
    const pss = signToken('PS256', pairs.RS256.privateKey, txnClaims(), {
      alg: 'PS256',
      typ: 'txntoken+jwt',
      kid: 'tts-1',
    });
    expect(refusal(() => rsaOnly.verify(pss))).toBe('ERR_PASSPORT_ALGORITHM');
    const none = `${b64url({ alg: 'none', typ: 'txntoken+jwt' })}.${b64url(txnClaims())}.`;
    expect(refusal(() => relay.verify(none))).toBe('ERR_PASSPORT_ALGORITHM');
    const hs = `${b64url({ alg: 'HS256', typ: 'txntoken+jwt' })}.${b64url(txnClaims())}.AAAA`;
    expect(refusal(() => relay.verify(hs))).toBe('ERR_PASSPORT_ALGORITHM');
  });

  it('a crit extension and a kid that is not a string are refused, before the signature', () => {
    const header = { alg: 'ES256', typ: 'txntoken+jwt', kid: 'tts-1' };
    expect(withHeader({ ...header, crit: ['exp'] })).toBe('ERR_PASSPORT_MALFORMED');
    expect(withHeader({ ...header, kid: 7 })).toBe('ERR_PASSPORT_MALFORMED');
    expect(withHeader(header)).toBe('accepted');
  });

  it('an unknown kid, a foreign key and a tampered body are refused', () => {
    const header = { alg: 'ES256', typ: 'txntoken+jwt', kid: 'tts-9' };
    expect(withHeader(header)).toBe('ERR_PASSPORT_KEY_UNKNOWN');
    const foreign = signToken('ES256', keyPair('ES256').privateKey, txnClaims());
    expect(refusal(() => relay.verify(foreign))).toBe('ERR_PASSPORT_SIGNATURE');
    const [h, , s] = signToken('ES256', es.privateKey, txnClaims()).split('.');
    const tampered = `${h}.${b64url(txnClaims({ scope: 'trade.everything' }))}.${s}`;
    expect(refusal(() => relay.verify(tampered))).toBe('ERR_PASSPORT_SIGNATURE');
  });

  it('the header carries exactly one Txn-Token', () => {
    const token = signToken('ES256', es.privateKey, txnClaims());
    expect(refusal(() => relay.extract({ 'txn-token': [token, token] }))).toBe(
      'ERR_PASSPORT_DUPLICATE',
    );
    expect(refusal(() => relay.extract({ 'txn-token': `${token}, ${token}` }))).toBe(
      'ERR_PASSPORT_DUPLICATE',
    );
    expect(refusal(() => relay.extract({ 'txn-token': [token] }))).toBe('accepted');
  });

  it('each new code has a status and a title', () => {
    for (const code of [
      'ERR_TXN_TOKEN_TYPE',
      'ERR_TXN_TOKEN_AUDIENCE',
      'ERR_TXN_TOKEN_CLAIM',
      'ERR_TXN_TOKEN_REPLAYED',
    ] as const) {
      expect(PASSPORT_ERRORS[code].status).toBe(401);
    }
    expect(PASSPORT_ERRORS.ERR_TXN_TOKEN_SCOPE_WIDENED.status).toBe(403);
  });

  it('a workload cannot mint', () => {
    expect(createRelay({ codec: codecFor() }).canIssue).toBe(false);
    expect(refusal(() => createRelay({ codec: codecFor() }).issue({ sub: 'x' }))).toBe(
      'ERR_PASSPORT_CANNOT_ISSUE',
    );
  });
});

describe('txnTokenCodec: options', () => {
  it('refuses missing keys, a missing trust domain, and RSA JWKs without alg', () => {
    const jwk = pairs.RS256.publicKey.export({ format: 'jwk' });
    expect(refusal(() => txnTokenCodec({ trustDomain: TRUST_DOMAIN, keys: [] }))).toBe(
      'ERR_PASSPORT_OPTIONS',
    );
    expect(
      refusal(() =>
        txnTokenCodec({ trustDomain: '', keys: [{ alg: 'ES256', key: es.publicKey }] }),
      ),
    ).toBe('ERR_PASSPORT_OPTIONS');
    expect(refusal(() => txnTokenCodec({ trustDomain: TRUST_DOMAIN, keys: { keys: [jwk] } }))).toBe(
      'ERR_PASSPORT_OPTIONS',
    );
    expect(
      refusal(() =>
        txnTokenCodec({ trustDomain: TRUST_DOMAIN, keys: { keys: [{ ...jwk, alg: 'PS256' }] } }),
      ),
    ).toBe('accepted');
  });

  it('refuses a key of the wrong type for its algorithm', () => {
    expect(
      refusal(() =>
        txnTokenCodec({
          trustDomain: TRUST_DOMAIN,
          keys: [{ alg: 'ES256', key: pairs.EdDSA.publicKey }],
        }),
      ),
    ).toBe('ERR_PASSPORT_OPTIONS');
  });
});

describe('replay check', () => {
  it('is off by default: the same token is accepted twice', () => {
    const relay = createRelay({ codec: codecFor() });
    const token = signToken('ES256', es.privateKey, txnClaims());
    relay.verify(token);
    expect(refusal(() => relay.verify(token))).toBe('accepted');
  });

  it('when on, refuses a txn seen before, even with the relay cache on', () => {
    const relay = createRelay({ codec: codecFor('ES256', { replay: { maxEntries: 10 } }) });
    const token = signToken('ES256', es.privateKey, txnClaims());
    relay.verify(token);
    expect(refusal(() => relay.verify(token))).toBe('ERR_TXN_TOKEN_REPLAYED');
    const other = signToken('ES256', es.privateKey, txnClaims({ txn: 'another' }));
    expect(refusal(() => relay.verify(other))).toBe('accepted');
  });

  it('stays bounded: the oldest txn is forgotten first', () => {
    const relay = createRelay({ codec: codecFor('ES256', { replay: { maxEntries: 2 } }) });
    const tokens = ['a', 'b', 'c'].map((txn) =>
      signToken('ES256', es.privateKey, txnClaims({ txn })),
    );
    for (const token of tokens) relay.verify(token);
    expect(refusal(() => relay.verify(tokens[0] as string))).toBe('accepted');
    expect(refusal(() => relay.verify(tokens[2] as string))).toBe('ERR_TXN_TOKEN_REPLAYED');
  });
});

describe('minting (the signing half of a token service)', () => {
  for (const alg of ALGS) {
    it(`mints ${alg} tokens the codec accepts, each with a fresh txn`, () => {
      const minter = txnTokenMinter({
        signingKey: { alg, kid: 'tts-1', key: pairs[alg].privateKey },
        trustDomain: TRUST_DOMAIN,
        workloadId: WORKLOAD,
      });
      const codec = codecFor(alg);
      const relay = createRelay({ codec });
      const a = minter.mint({ sub: 'user-1', scope: ['orders.read'], tctx: { tenant: 't1' } });
      const b = minter.mint({ sub: 'user-1', scope: 'orders.read' });
      expect(relay.verify(a)).toMatchObject({ sub: 'user-1', tenant: 't1' });
      expect(codec.transactionOf(a)?.txn).not.toBe(codec.transactionOf(b)?.txn);
      expect(codec.transactionOf(a)).toMatchObject({ aud: TRUST_DOMAIN, req_wl: WORKLOAD });
    });
  }

  it('publishes the public JWK a workload verifies with', () => {
    const signingKey = { alg: 'PS256' as const, kid: 'tts-1', key: pairs.PS256.privateKey };
    const jwk = publicTxnTokenJwk(signingKey, 'test');
    expect(jwk).toMatchObject({ kty: 'RSA', alg: 'PS256', kid: 'tts-1' });
    expect(jwk).not.toHaveProperty('d');
    const minter = txnTokenMinter({ signingKey, trustDomain: TRUST_DOMAIN, workloadId: WORKLOAD });
    const relay = createRelay({
      codec: txnTokenCodec({ trustDomain: TRUST_DOMAIN, keys: { keys: [jwk] } }),
    });
    expect(relay.verify(minter.mint({ sub: 'u', scope: 's' })).sub).toBe('u');
  });

  it('refuses to embed a secret the caller names (the access token)', () => {
    const minter = txnTokenMinter({
      signingKey: { alg: 'ES256', key: es.privateKey },
      trustDomain: TRUST_DOMAIN,
      workloadId: WORKLOAD,
    });
    const accessToken = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln';
    expect(
      refusal(() =>
        minter.mint({
          sub: 'u',
          scope: 's',
          tctx: { leak: accessToken },
          mustNotContain: [accessToken],
        }),
      ),
    ).toBe('ERR_TXN_TOKEN_ACCESS_TOKEN_EMBEDDED');
    expect(
      refusal(() =>
        minter.mint({ sub: 'u', scope: 's', tctx: { ok: 1 }, mustNotContain: [accessToken] }),
      ),
    ).toBe('accepted');
  });

  it('never mints from an expired subject credential', () => {
    const minter = txnTokenMinter({
      signingKey: { alg: 'ES256', key: es.privateKey },
      trustDomain: TRUST_DOMAIN,
      workloadId: WORKLOAD,
    });
    expect(refusal(() => minter.mint({ sub: 'u', scope: 's', expiresAtMost: now() - 1 }))).toBe(
      'ERR_PASSPORT_CANNOT_ISSUE',
    );
  });

  it('narrowScope allows narrowing and refuses widening', () => {
    expect(narrowScope(['a', 'b'], 'b')).toEqual(['b']);
    expect(narrowScope(['a', 'b'], ['a', 'b'])).toEqual(['a', 'b']);
    expect(refusal(() => narrowScope(['a'], 'a b'))).toBe('ERR_TXN_TOKEN_SCOPE_WIDENED');
  });
});

describe('outbound: the Txn-Token is forwarded unmodified, to allowed destinations only', () => {
  let received: IncomingHttpHeaders[] = [];
  const downstream = createServer((req, res) => {
    received.push(req.headers);
    res.end('ok');
  });
  const codec = codecFor();
  const relay = createRelay({ codec, propagateTo: ['127.0.0.1'] });
  const send = (port: number) =>
    new Promise<void>((resolve, reject) => {
      const headers: Record<string, string> = {};
      relay.propagate(`http://127.0.0.1:${port}/`, headers, {
        has: (carrier, name) => name in carrier,
        set: (carrier, name, value) => {
          carrier[name] = value;
        },
      });
      httpRequest({ host: '127.0.0.1', port, headers }, (res) => {
        res.resume().on('end', resolve);
      })
        .on('error', reject)
        .end();
    });
  const service = createServer((req, res) => {
    try {
      const context = relay.extract(req.headers, { required: true });
      relay.runWith(context, async () => {
        await send((downstream.address() as AddressInfo).port);
        // A third party never receives it.
        expect(relay.outboundHeaders('https://api.example.com/')).toBeUndefined();
        res.end('done');
      });
    } catch (error) {
      res.statusCode = isPassportError(error) ? error.status : 500;
      res.end();
    }
  });

  beforeAll(async () => {
    downstream.listen(0, '127.0.0.1');
    service.listen(0, '127.0.0.1');
    await Promise.all([once(downstream, 'listening'), once(service, 'listening')]);
  });
  afterAll(() => {
    downstream.close();
    service.close();
  });

  it('sends the exact bytes it received, not a re-encoding', async () => {
    received = [];
    // Key order and spacing a re-encoder would change.
    const body = `{ "scope":"trade.stocks",  "sub":"u-1","txn":"t-1","aud":"${TRUST_DOMAIN}","iat":${now()},"exp":${now() + 60},"req_wl":"${WORKLOAD}"}`;
    const token = signToken('ES256', es.privateKey, body);
    const port = (service.address() as AddressInfo).port;
    const res = await fetch(`http://127.0.0.1:${port}/`, { headers: { 'txn-token': token } });
    expect(res.status).toBe(200);
    await res.text();
    expect(received).toHaveLength(1);
    expect(received[0]?.['txn-token']).toBe(token);
  });

  it('runInTransaction carries a minted token for work with no inbound request', async () => {
    received = [];
    const minter = txnTokenMinter({
      signingKey: { alg: 'ES256', kid: 'tts-1', key: es.privateKey },
      trustDomain: TRUST_DOMAIN,
      workloadId: 'billing-cron',
    });
    const token = minter.mint({ sub: 'billing-cron', scope: 'invoices.send' });
    await runInTransaction(relay, token, async () => {
      expect(codec.currentTransaction(relay)?.req_wl).toBe('billing-cron');
      await send((downstream.address() as AddressInfo).port);
    });
    expect(received[0]?.['txn-token']).toBe(token);
  });
});

describe('diagnostics name the transaction, never the token', () => {
  it('publishes the txn on the accepted channel, and no token anywhere', () => {
    const seen: unknown[] = [];
    const listener = (message: unknown) => seen.push(message);
    subscribe(DIAGNOSTICS_CHANNELS.accepted, listener);
    subscribe(DIAGNOSTICS_CHANNELS.refused, listener);
    try {
      const relay = createRelay({ codec: codecFor() });
      const token = signToken('ES256', es.privateKey, txnClaims());
      relay.extract({ 'txn-token': token });
      const forged = signToken('ES256', es.privateKey, txnClaims({ aud: 'elsewhere' }));
      expect(() => relay.extract({ 'txn-token': forged })).toThrow();
      expect(seen[0]).toMatchObject({ passport: { txn: '97053963-771d-49cc-a4e3-20aad399c312' } });
      const text = JSON.stringify(
        seen.map((m) => ({ ...(m as object), e: String((m as { error?: unknown }).error) })),
      );
      for (const value of [token, forged]) {
        for (const segment of value.split('.')) expect(text).not.toContain(segment);
      }
    } finally {
      unsubscribe(DIAGNOSTICS_CHANNELS.accepted, listener);
      unsubscribe(DIAGNOSTICS_CHANNELS.refused, listener);
    }
  });
});
