/**
 * Transaction Tokens for work that starts inside the system: a nightly job with no inbound request
 * obtains a Txn-Token for its own subject and runs its work in it; `reports` and `ledger` (Express)
 * verify it, read the transaction, and forward it unmodified; a third party gets nothing.
 *
 *   node --import tsx main.ts        (or: pnpm --filter @passport-relay-examples/txn-token start)
 *
 * Starts three servers on 127.0.0.1 / localhost, port 0; prints what each hop saw (the `txn`, never
 * the token); exits 0 when everything behaved, 1 otherwise.
 */
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createRelay,
  publicTxnTokenJwk,
  runInTransaction,
  txnTokenCodec,
  txnTokenMinter,
} from '@passport-relay/core';
import { installGlobalFetchPropagation } from '@passport-relay/undici';
import { type Hop, ledgerApp, partnerHandler, reportsApp } from './services.js';

const TRUST_DOMAIN = 'trust-domain.example';

// 1. The token service's key. Here the job's process holds it (a local TTS); with a remote TTS the
//    job would call createTtsClient(...).exchange({ subjectToken: selfSignedSubjectToken(...) })
//    instead, and hold only its own client key. Workloads get the public JWK only.
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signingKey = { alg: 'ES256' as const, kid: 'tts-2026-12', key: privateKey };
const jwks = { keys: [publicTxnTokenJwk(signingKey, 'example')] };

// 2. Every workload's relay: verifies Txn-Tokens (typ, signature, aud = trust domain, exp, the
//    required claims) on the `txn-token` header. Narrowed to 127.0.0.1 so `localhost` is a third party.
const codec = txnTokenCodec({ trustDomain: TRUST_DOMAIN, keys: jwks });
const relay = createRelay({ codec, propagateTo: ['127.0.0.1'] });
const uninstallFetchHook = installGlobalFetchPropagation(relay);

// 3. The job's minter: every token gets a fresh `txn`, `aud` = the trust domain, `req_wl` = the job.
const minter = txnTokenMinter({
  signingKey,
  trustDomain: TRUST_DOMAIN,
  workloadId: 'nightly-reports-job',
  ttlSeconds: 60,
});

async function listen(handler: RequestListener, host = '127.0.0.1') {
  const server = createServer(handler).listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://${host}:${port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const partner = await listen(partnerHandler, 'localhost');
const ledger = await listen(ledgerApp(relay, codec));
const reports = await listen(
  reportsApp(relay, codec, { ledger: ledger.origin, partner: partner.origin }),
);

const problems: string[] = [];
const check = (ok: boolean, problem: string) => {
  if (!ok) problems.push(problem);
};

/** The nightly job: no request came in, so it starts a transaction of its own. */
async function nightlyJob(): Promise<{ token: string; hops: Hop[] }> {
  const token = minter.mint({
    sub: 'nightly-reports-job',
    scope: 'reports.run ledger.write',
    tctx: { report: 'daily-revenue', day: '2026-12-06' },
    rctx: { authn: 'urn:example:scheduler' },
  });
  // Everything inside runs in the transaction: the fetch carries the token, unmodified.
  return runInTransaction(relay, token, async () => {
    console.log(`nightly job: txn ${codec.currentTransaction(relay)?.txn}`);
    const response = await fetch(`${reports.origin}/nightly`, { method: 'POST' });
    if (!response.ok) throw new Error(`reports answered ${response.status}`);
    return { token, hops: (await response.json()) as Hop[] };
  });
}

try {
  console.log('txn-token: nightly job ─Txn-Token→ reports (Express) ─fetch→ ledger (Express)');
  console.log(
    '                                                   └─fetch→ partner (third party)\n',
  );

  const [first, second] = await Promise.all([nightlyJob(), nightlyJob()]);
  for (const { token, hops } of [first, second]) {
    const txns = new Set(hops.filter((hop) => hop.txn).map((hop) => hop.txn));
    for (const hop of hops) {
      if (hop.headers) {
        const got = hop.headers.includes(relay.header);
        console.log(`  ${hop.service.padEnd(8)} received a Txn-Token: ${got ? 'YES' : 'no'}`);
        check(!got, 'the partner received a Txn-Token');
      } else {
        const identical = hop.received === token;
        console.log(
          `  ${hop.service.padEnd(8)} sub=${hop.sub} txn=${hop.txn} scope="${hop.scope}" token as minted: ${identical ? 'yes' : 'NO'}`,
        );
        check(hop.sub === 'nightly-reports-job', `${hop.service} saw sub=${hop.sub}`);
        check(identical, `${hop.service} received the Txn-Token modified`);
      }
    }
    check(txns.size === 1, 'the hops of one run saw different transactions');
    check(hops.length === 3, `expected 3 hops, got ${hops.length}`);
  }
  check(first.hops[0]?.txn !== second.hops[0]?.txn, 'two runs shared one txn');

  // A plain JWT is not a Txn-Token: refused before any handler runs.
  const forged = await fetch(`${reports.origin}/nightly`, {
    method: 'POST',
    headers: { 'txn-token': 'eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.e30.AAAA' },
  });
  const problem = (await forged.json()) as { code?: string };
  console.log(`forged (typ JWT): HTTP ${forged.status} ${problem.code}`);
  check(
    forged.status === 401 && problem.code === 'ERR_TXN_TOKEN_TYPE',
    'a plain JWT was not refused',
  );
} catch (error) {
  problems.push(`the example failed: ${String(error)}`);
} finally {
  uninstallFetchHook();
  await Promise.all([reports.close(), ledger.close(), partner.close()]);
}

if (problems.length === 0) {
  console.log(
    '\nOK: the job ran in its own transaction; every hop verified the same token; the partner got none',
  );
} else {
  console.log(`\nFAILED:\n  ${problems.join('\n  ')}`);
  process.exitCode = 1;
}
