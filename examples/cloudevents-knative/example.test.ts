import { expect, it } from 'vitest';
import { runExampleOnce } from '../run-example.js';

// Runs the example as a user would, as a real child process.
const run = runExampleOnce(import.meta.url);

it('exits 0 and says every event behaved', () => {
  expect(run().code, `stdout:\n${run().stdout}\nstderr:\n${run().stderr}`).toBe(0);
  expect(run().stdout).toContain(
    'OK: every event ran as its caller; the forged one got 401; the partner got no passport',
  );
});

it('shows both sinks running each event as its caller, in binary and structured mode', () => {
  for (const sub of ['alice', 'bob']) {
    expect(run().stdout).toContain(
      `notifier (Express): shop.order.created {"by":"${sub}"} as sub=${sub}`,
    );
    expect(run().stdout).toContain(`audit (Fastify): shop.order.created as sub=${sub}`);
  }
});

it('shows the forged event refused with 401 and the partner receiving no passport', () => {
  expect(run().stdout).toContain('forged event: HTTP 401 ERR_PASSPORT_SIGNATURE');
  expect(run().stdout).toContain('partner (off the list) received: no passport, no passport');
});
