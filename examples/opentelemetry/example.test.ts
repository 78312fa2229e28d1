import { expect, it } from 'vitest';
import { runExampleOnce } from '../run-example.js';

// Runs the example exactly as a user would, as a real child process, and holds it to what its
// README promises.
const run = runExampleOnce(import.meta.url);

it('exits 0 and says every hop behaved', () => {
  expect(run().code, `stdout:\n${run().stdout}\nstderr:\n${run().stderr}`).toBe(0);
  expect(run().stdout).toContain(
    'OK: each hop saw its own caller in its own trace; the forgery was refused',
  );
});

it('shows each user reaching both hops in the trace their client span started', () => {
  for (const sub of ['alice', 'bob']) {
    expect(run().stdout).toMatch(
      new RegExp(`${sub}: HTTP 200, client span in trace [0-9a-f]{32}\\n`),
    );
    expect(run().stdout).toContain(`  orders    relay.current(): sub=${sub}, same trace\n`);
    expect(run().stdout).toContain(`  payments  relay.current(): sub=${sub}, same trace\n`);
  }
  expect(run().stdout).toContain('spans recorded in 3 traces, one per client request');
});

it('shows a passport signed with another key refused with 401', () => {
  expect(run().stdout).toContain('forged passport for alice: HTTP 401 ERR_PASSPORT_SIGNATURE');
});
