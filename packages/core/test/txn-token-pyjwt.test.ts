import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createRelay, isPassportError, txnTokenCodec, txnTokenMinter } from '../src/index.js';
import { now } from './helpers.js';
import {
  type Alg,
  keyPair,
  signToken,
  TRUST_DOMAIN,
  txnClaims,
  WORKLOAD,
} from './txn-token.helpers.js';

/**
 * Interop with PyJWT, the stock Python JWT library (Debian's python3-jwt; `.ci/needs/txn.sh`
 * installs it): PyJWT verifies the SDK's Txn-Tokens with typ checked, and the SDK accepts PyJWT's.
 */
const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./fixtures/pyjwt_txn_token.py', import.meta.url));

function pyjwt(request: Record<string, unknown>): Record<string, unknown> {
  const result = spawnSync(PYTHON, [SCRIPT], { input: JSON.stringify(request), encoding: 'utf8' });
  if (result.error !== undefined || result.status !== 0) {
    throw new Error(
      `PyJWT is needed for this test and did not run (install it: bash .ci/needs/txn.sh): ${result.error?.message ?? result.stderr}`,
    );
  }
  return JSON.parse(result.stdout);
}

const ALGS: Alg[] = ['ES256', 'RS256', 'PS256', 'EdDSA'];

describe('PyJWT interop', () => {
  for (const alg of ALGS) {
    const pair = keyPair(alg);
    const publicPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const privatePem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

    it(`PyJWT verifies the SDK's ${alg} Txn-Token, typ and claims checked`, () => {
      const minter = txnTokenMinter({
        signingKey: { alg, kid: 'sdk-1', key: pair.privateKey },
        trustDomain: TRUST_DOMAIN,
        workloadId: WORKLOAD,
      });
      const token = minter.mint({ sub: 'user-1', scope: 'orders.read', tctx: { tenant: 't1' } });
      const answer = pyjwt({
        mode: 'verify',
        token,
        alg,
        pem: publicPem,
        trust_domain: TRUST_DOMAIN,
      });
      expect(answer).toMatchObject({
        ok: true,
        header: { typ: 'txntoken+jwt', alg },
        claims: { sub: 'user-1', aud: TRUST_DOMAIN, req_wl: WORKLOAD, tctx: { tenant: 't1' } },
      });
      // And PyJWT refuses it for another trust domain, or without the Txn-Token typ.
      expect(
        pyjwt({ mode: 'verify', token, alg, pem: publicPem, trust_domain: 'other.example' }),
      ).toMatchObject({ ok: false });
      const plain = signToken(alg, pair.privateKey, txnClaims(), { alg, typ: 'JWT' });
      expect(
        pyjwt({ mode: 'verify', token: plain, alg, pem: publicPem, trust_domain: TRUST_DOMAIN }),
      ).toEqual({
        ok: false,
        error: 'typ is not txntoken+jwt',
      });
    });

    it(`the SDK accepts PyJWT's ${alg} Txn-Token, and refuses a tampered one`, () => {
      const body = txnClaims();
      const { token } = pyjwt({
        mode: 'mint',
        alg,
        pem: privatePem,
        kid: 'py-1',
        payload: body,
      }) as {
        token: string;
      };
      const codec = txnTokenCodec({
        trustDomain: TRUST_DOMAIN,
        keys: [{ alg, kid: 'py-1', key: pair.publicKey }],
      });
      const relay = createRelay({ codec });
      expect(relay.verify(token).sub).toBe(body.sub);
      expect(codec.transactionOf(token)).toEqual(body);
      const [header, , signature] = token.split('.');
      const tampered = `${header}.${Buffer.from(JSON.stringify({ ...body, scope: 'all' })).toString('base64url')}.${signature}`;
      let code: string | undefined;
      try {
        relay.verify(tampered);
      } catch (error) {
        code = isPassportError(error) ? error.code : undefined;
      }
      expect(code).toBe('ERR_PASSPORT_SIGNATURE');
    });
  }

  it("round-trips the draft's example body (§9.2.4) through PyJWT and the SDK", () => {
    const pair = keyPair('RS256');
    const t = now();
    // The draft's example, comments removed, times moved to now.
    const body = {
      iat: t,
      aud: 'trust-domain.example',
      exp: t + 360,
      txn: '97053963-771d-49cc-a4e3-20aad399c312',
      sub: 'd084sdrt234fsaw34tr23t',
      req_wl: 'apigateway.trust-domain.example',
      rctx: { req_ip: '69.151.72.123', authn: 'face' },
      scope: 'trade.stocks',
      tctx: {
        action: 'BUY',
        ticker: 'MSFT',
        quantity: '100',
        customer_type: { geo: 'US', level: 'VIP' },
      },
    };
    const privatePem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const { token } = pyjwt({
      mode: 'mint',
      alg: 'RS256',
      pem: privatePem,
      kid: 'identifier-to-key',
      payload: body,
    }) as {
      token: string;
    };
    const codec = txnTokenCodec({
      trustDomain: 'trust-domain.example',
      keys: [{ alg: 'RS256', kid: 'identifier-to-key', key: pair.publicKey }],
    });
    const passport = createRelay({ codec }).verify(token);
    expect(codec.transactionOf(token)).toEqual(body);
    expect(passport).toMatchObject({ sub: body.sub, ...body.tctx });
  });
});
