import { expect, it } from 'vitest';
import { runExampleOnce } from '../run-example.js';

// Runs the example exactly as a user would, as a real child process, and holds it to what its
// README promises.
const run = runExampleOnce(import.meta.url);

it('exits 0 and says the doctor found the one unhooked client', () => {
  expect(run().code, `stdout:\n${run().stdout}\nstderr:\n${run().stderr}`).toBe(0);
  expect(run().stdout).toContain(
    'OK: every hop saw its own caller; the doctor found the one unhooked client',
  );
});

it('shows each user reaching orders and inventory as themselves, with the doctor silent', () => {
  expect(run().stdout).toContain('alice /orders: HTTP 200 {"orders":"alice","inventory":"alice"}');
  expect(run().stdout).toContain('bob /orders: HTTP 200 {"orders":"bob","inventory":"bob"}');
  expect(run().stdout).toContain('doctor after /orders: {"decided":2,"undecided":0}');
});

it('shows the doctor naming the legacy request, which left without the passport', () => {
  expect(run().stdout).toMatch(
    /doctor: GET http:\/\/127\.0\.0\.1:\d+\/legacy-report \(undici\) was not decided/,
  );
  expect(run().stdout).toContain('alice /report: HTTP 200 {"orders":"alice","legacy":null}');
  expect(run().stdout).toContain(
    'assertEveryCallDecided: 1 outbound request(s) were sent while a passport was in context',
  );
  expect(run().stdout).toContain('anonymous /orders: HTTP 401 ERR_PASSPORT_MISSING');
});
