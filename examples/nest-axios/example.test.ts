import { expect, it } from 'vitest';
import { runExampleOnce } from '../run-example.js';

// Runs the example exactly as a user would, as a real child process, and holds it to what its
// README promises.
const run = runExampleOnce(import.meta.url);

it('exits 0 and says every hop behaved', () => {
  expect(run().code, `stdout:\n${run().stdout}\nstderr:\n${run().stderr}`).toBe(0);
  expect(run().stdout).toContain('OK: orders and inventory each saw their own caller');
});

it('shows orders (PassportService) and inventory (@CurrentPassport) each seeing the caller', () => {
  for (const [sub, roles] of [
    ['alice', '["admin"]'],
    ['bob', '["viewer"]'],
  ]) {
    expect(run().stdout).toContain(`${sub}: HTTP 200`);
    expect(run().stdout).toContain(`  orders     sub=${sub} roles=${roles}\n`);
    expect(run().stdout).toContain(`  inventory  sub=${sub} roles=${roles}\n`);
  }
});

it('shows a request without a passport refused with 401', () => {
  expect(run().stdout).toContain('anonymous: HTTP 401 ERR_PASSPORT_MISSING');
});
