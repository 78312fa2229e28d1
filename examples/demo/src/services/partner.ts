/**
 * A third-party API (think payments provider or geocoder). It is not on the allowlist, so it must
 * never see a passport or a forwarded header. It records what it received for the demo to report.
 */
import { createServer } from 'node:http';
import { serve } from '../service-kit.js';

const received: { passport: boolean; forwarded: string[] }[] = [];
const identityHeaders = ['passport', 'txn-token', 'x-request-id', 'traceparent', 'authorization'];

const server = createServer((req, res) => {
  if (req.url === '/report') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        requests: received.length,
        receivedPassport: received.some((r) => r.passport),
      }),
    );
    return;
  }
  const passport = req.headers.passport !== undefined || req.headers['txn-token'] !== undefined;
  received.push({
    passport,
    forwarded: identityHeaders.filter((h) => req.headers[h] !== undefined),
  });
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ receivedPassport: passport }));
});

serve(server);
