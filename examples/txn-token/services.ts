/**
 * The services of this example. As in every passport-relay service, nothing here reads a header or
 * passes a token along: the middleware verifies the inbound Txn-Token and makes it the request's
 * context, business code reads the passport (`sub` plus `tctx`) and the transaction (`txn`,
 * `scope`, `req_wl`), and the fetch hook forwards the token exactly as received.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Relay, TxnTokenCodec } from '@passport-relay/core';
import { passportRelay } from '@passport-relay/express';
import express from 'express';

/** What one service saw; each adds its line. */
export interface Hop {
  readonly service: string;
  readonly sub?: string;
  readonly txn?: string | undefined;
  readonly scope?: string | undefined;
  readonly requestedBy?: unknown;
  /** The token as this hop received it: the example compares bytes across hops. */
  readonly received?: string;
  /** The partner reports the header names it received instead. */
  readonly headers?: readonly string[];
}

/** `ledger`: the last internal hop. Refuses any transaction whose scope does not allow writing. */
export function ledgerApp(relay: Relay, codec: TxnTokenCodec): express.Express {
  const app = express();
  app.use(passportRelay(relay, { required: true }));
  app.post('/entries', (req, res) => {
    const transaction = codec.currentTransaction(relay);
    if (!transaction?.scope.split(' ').includes('ledger.write')) {
      res.status(403).json({ error: 'scope' });
      return;
    }
    const here: Hop = {
      service: 'ledger',
      sub: relay.require().sub,
      txn: transaction.txn,
      scope: transaction.scope,
      received: req.headers[relay.header] as string,
    };
    res.json([here]);
  });
  return app;
}

/** `reports`: builds the nightly report, then books it in the ledger and notifies a partner. */
export function reportsApp(
  relay: Relay,
  codec: TxnTokenCodec,
  upstreams: { ledger: string; partner: string },
): express.Express {
  const app = express();
  app.use(passportRelay(relay, { required: true }));
  app.post('/nightly', async (req, res) => {
    const transaction = codec.currentTransaction(relay);
    const here: Hop = {
      service: 'reports',
      sub: relay.require().sub,
      txn: transaction?.txn,
      scope: transaction?.scope,
      requestedBy: transaction?.req_wl,
      received: req.headers[relay.header] as string,
    };
    const booked = await fetch(`${upstreams.ledger}/entries`, { method: 'POST' });
    if (!booked.ok) throw new Error(`ledger answered ${booked.status}`);
    const notified = await fetch(`${upstreams.partner}/notify`, { method: 'POST' });
    res.json([here, ...((await booked.json()) as Hop[]), (await notified.json()) as Hop]);
  });
  return app;
}

/** `partner`: a third party. It must never see a Txn-Token. */
export function partnerHandler(req: IncomingMessage, res: ServerResponse): void {
  const here: Hop = { service: 'partner', headers: Object.keys(req.headers) };
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(here));
}
