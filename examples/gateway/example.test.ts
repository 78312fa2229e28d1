import { expect, it } from 'vitest';
import { runExampleOnce } from '../run-example.js';

// Runs the example exactly as a user would, as a real child process, and holds it to what its
// README promises.
const run = runExampleOnce(import.meta.url);

it('exits 0 and says every request behaved', () => {
  expect(run().code, `stdout:\n${run().stdout}\nstderr:\n${run().stderr}`).toBe(0);
  expect(run().stdout).toContain(
    'OK: orders saw the user of each token, and never the smuggled passport',
  );
});

it('shows orders reading the passport the gateway minted from each user token', () => {
  expect(run().stdout).toContain('alice, Bearer token, GET /orders: HTTP 200');
  expect(run().stdout).toContain(
    '  orders saw sub=alice email=alice@acme.example roles=["admin"] tenant=acme iss=https://gateway.example',
  );
  expect(run().stdout).toContain('bob, Bearer token, GET /orders: HTTP 200');
  expect(run().stdout).toContain(
    '  orders saw sub=bob email=bob@globex.example roles=["viewer"] tenant=globex iss=https://gateway.example',
  );
});

it('shows a client-supplied passport stripped, with a token and on a public route', () => {
  expect(run().stdout).toContain(
    "bob + alice's passport, GET /orders: HTTP 200, orders saw sub=bob",
  );
  expect(run().stdout).toContain(
    "no token + alice's passport, GET /catalog: HTTP 200, orders saw sub=anonymous",
  );
});

it('shows a protected route without a token refused at the edge with a Bearer challenge', () => {
  expect(run().stdout).toContain(
    'no token, GET /orders: HTTP 401 ERR_PASSPORT_MISSING, WWW-Authenticate: Bearer realm="gateway"',
  );
});
