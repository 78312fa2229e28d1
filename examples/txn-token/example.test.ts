import { expect, it } from 'vitest';
import { runExampleOnce } from '../run-example.js';

// Runs the example exactly as a user would, as a real child process.
const run = runExampleOnce(import.meta.url);

it('exits 0 and says every hop behaved', () => {
  expect(run().code, `stdout:\n${run().stdout}\nstderr:\n${run().stderr}`).toBe(0);
  expect(run().stdout).toContain(
    'OK: the job ran in its own transaction; every hop verified the same token; the partner got none',
  );
});

it('shows both hops as the job, and the partner with nothing', () => {
  expect(run().stdout).toMatch(
    /reports +sub=nightly-reports-job txn=[0-9a-f-]{36} .* token as minted: yes/,
  );
  expect(run().stdout).toMatch(
    /ledger +sub=nightly-reports-job txn=[0-9a-f-]{36} .* token as minted: yes/,
  );
  expect(run().stdout).toContain('partner  received a Txn-Token: no');
  expect(run().stdout).toContain('forged (typ JWT): HTTP 401 ERR_TXN_TOKEN_TYPE');
});

it('prints transaction ids, never a token', () => {
  expect(run().stdout + run().stderr).not.toMatch(/eyJ[\w-]+\.eyJ/);
});
