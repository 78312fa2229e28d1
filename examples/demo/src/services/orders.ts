/**
 * `orders`: an Express service that calls `payments` with plain `fetch`. The business code below
 * reads the caller with `relay.current()` where it wants to, and never passes a passport along.
 */

import { createServer } from 'node:http';
import { passportRelay } from '@passport-relay/express';
import { installGlobalFetchPropagation } from '@passport-relay/undici';
import express from 'express';
import {
  DOWNSTREAM_TIMEOUT_MS,
  downstreamFailed,
  env,
  hop,
  serve,
  serviceRelay,
} from '../service-kit.js';

const relay = serviceRelay();
installGlobalFetchPropagation(relay);
const PAYMENTS_URL = env('PAYMENTS_URL');

const app = express();
app.use(passportRelay(relay, { required: (req) => req.path !== '/healthz' }));
app.use(express.json());

app.get('/healthz', (_req, res) => {
  res.send('ok');
});

app.post('/checkout', async (req, res, next) => {
  try {
    const response = await fetch(`${PAYMENTS_URL}/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ item: req.body?.item, amount: 42 }),
      signal: AbortSignal.timeout(DOWNSTREAM_TIMEOUT_MS),
    });
    res.status(response.status).json({
      hop: hop(relay, 'orders', 'express', 'fetch'),
      next: await response.json(),
    });
  } catch (error) {
    next(error);
  }
});

app.use(
  (_error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const { status, body } = downstreamFailed('orders');
    res.status(status).json(body);
  },
);

serve(createServer(app));
