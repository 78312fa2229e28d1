import { expect, it } from 'vitest';
import { runExampleOnce } from '../run-example.js';

// Runs the example as a user would, as a real child process (it starts its own nats-server).
const run = runExampleOnce(import.meta.url);

it('exits 0 and says every request behaved', () => {
  expect(run().code, `stdout:\n${run().stdout}\nstderr:\n${run().stderr}`).toBe(0);
  expect(run().stdout).toContain(
    'OK: each request was answered as its caller; the forged one got an error reply',
  );
});

it('shows each caller answered as themselves', () => {
  expect(run().stdout).toContain('alice: got the profile of alice (acme)');
  expect(run().stdout).toContain('bob: got the profile of bob (globex)');
});

it('shows the forged request refused with an error reply, and no passport on audit.log', () => {
  expect(run().stdout).toContain('mallory (forged): error reply 401 ERR_PASSPORT_SIGNATURE');
  expect(run().stdout).not.toContain('profile of sub=mallory');
  expect(run().stdout).toContain('audit.log (not on the list) received: no passport, no passport');
});
