import { expect, it } from 'vitest';
import { runExampleOnce } from '../run-example.js';

// Runs the example exactly as a user would, as a real child process, and holds it to what its
// README promises.
const run = runExampleOnce(import.meta.url);

it('exits 0 and says every hop behaved', () => {
  expect(run().code, `stdout:\n${run().stdout}\nstderr:\n${run().stderr}`).toBe(0);
  expect(run().stdout).toContain(
    'OK: every charge reached payments as its own caller; the forgery was refused',
  );
});

it('shows each of the four concurrent checkouts reaching payments as its own caller', () => {
  for (const [sub, order] of [
    ['alice', 'A-1'],
    ['bob', 'B-1'],
    ['alice', 'A-2'],
    ['bob', 'B-2'],
  ]) {
    expect(run().stdout).toMatch(
      new RegExp(`${sub} +order ${order}: HTTP 200, orders saw ${sub}, payments saw ${sub}\\n`),
    );
  }
});

it('shows a passport signed with another key refused with 401', () => {
  expect(run().stdout).toContain('forged passport for alice: HTTP 401 ERR_PASSPORT_SIGNATURE');
});
