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

it('shows each user reaching orders and billing as themselves, and the partner receiving nothing', () => {
  for (const sub of ['alice', 'bob']) {
    expect(run().stdout).toMatch(new RegExp(`orders +relay\\.current\\(\\): sub=${sub} `));
    expect(run().stdout).toMatch(
      new RegExp(`billing +relay\\.current\\(\\): sub=${sub} +received a passport: yes`),
    );
    expect(run().stdout).toContain(
      `${sub}: Track streamed orders/packed as ${sub}, orders/shipped as ${sub}`,
    );
  }
  expect(
    run().stdout.match(/partner +relay\.current\(\): sub=\(none\) +received a passport: no/g),
  ).toHaveLength(2);
});

it('shows a call without a passport refused with UNAUTHENTICATED', () => {
  expect(run().stdout).toContain('anonymous: UNAUTHENTICATED ERR_PASSPORT_MISSING');
});
