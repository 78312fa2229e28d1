import { expect, it } from 'vitest';
import { runExampleOnce } from '../run-example.js';

// Runs the example as a user would, as a real child process (it starts its own redis-server).
const run = runExampleOnce(import.meta.url);

it('exits 0 and says every job behaved', () => {
  expect(run().code, `stdout:\n${run().stdout}\nstderr:\n${run().stderr}`).toBe(0);
  expect(run().stdout).toContain(
    'OK: every job ran as its adder; the forged one failed once and never ran',
  );
});

it('shows each job running as the user who added it', () => {
  for (const [sub, tenant] of [
    ['alice', 'acme'],
    ['bob', 'globex'],
    ['carol', 'acme'],
  ]) {
    expect(run().stdout).toContain(`sending to ${sub}@example.com as sub=${sub} tenant=${tenant}`);
  }
});

it('shows the forged job refused once, not retried', () => {
  expect(run().stdout).toMatch(/refused, ERR_PASSPORT_SIGNATURE, attempts made: 1 of 3/);
  expect(run().stdout).not.toContain('everyone@example.com as');
});
