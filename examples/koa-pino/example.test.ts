import { expect, it } from 'vitest';
import { runExampleOnce } from '../run-example.js';

// Runs the example exactly as a user would, as a real child process, and holds it to what its
// README promises.
const run = runExampleOnce(import.meta.url);

it('exits 0 and says every log line and hop behaved', () => {
  expect(run().code, `stdout:\n${run().stdout}\nstderr:\n${run().stderr}`).toBe(0);
  expect(run().stdout).toContain(
    'OK: every log line names its own caller and no token; the partner received no passport',
  );
});

it('shows each user through orders and inventory, and the partner receiving nothing', () => {
  for (const sub of ['alice', 'bob']) {
    expect(run().stdout).toContain(
      `${sub}: HTTP 200 {"orders":"${sub}","inventory":"${sub}","partnerGotPassport":false}`,
    );
  }
  expect(run().stdout).toContain('anonymous: HTTP 401 ERR_PASSPORT_MISSING');
});

it('shows log lines carrying the caller sub and tenant', () => {
  expect(run().stdout).toContain(
    '"passport":{"sub":"alice","tenant":"acme"},"service":"inventory"',
  );
  expect(run().stdout).toContain('"passport":{"sub":"bob","tenant":"globex"},"service":"orders"');
});
