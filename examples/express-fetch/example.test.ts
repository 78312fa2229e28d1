import { expect, it } from 'vitest';
import { runExampleOnce } from '../run-example.js';

// Runs the example exactly as a user would, as a real child process, and holds it to what its
// README promises.
const run = runExampleOnce(import.meta.url);

it('exits 0 and says every hop behaved', () => {
  expect(run().code, `stdout:\n${run().stdout}\nstderr:\n${run().stderr}`).toBe(0);
  expect(run().stdout).toContain(
    'OK: every hop saw its own caller; the partner received no passport',
  );
});

it('shows each user reaching orders and inventory as themselves', () => {
  for (const [sub, tenant] of [
    ['alice', 'acme'],
    ['bob', 'globex'],
  ]) {
    expect(run().stdout).toContain(`${sub} (tenant ${tenant}): HTTP 200`);
    expect(run().stdout).toMatch(
      new RegExp(`orders +relay\\.current\\(\\): sub=${sub} tenant=${tenant}`),
    );
    expect(run().stdout).toMatch(
      new RegExp(`inventory +relay\\.current\\(\\): sub=${sub} tenant=${tenant}`),
    );
  }
});

it('shows the third-party partner receiving no passport', () => {
  expect(run().stdout.match(/partner +received a passport: no/g)).toHaveLength(2);
  expect(run().stdout).not.toContain('received a passport: YES');
});

it('shows a request without a passport refused with 401', () => {
  expect(run().stdout).toContain('anonymous: HTTP 401 ERR_PASSPORT_MISSING');
});
