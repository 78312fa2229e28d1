import { expect, it } from 'vitest';
import { runExampleOnce } from '../run-example.js';

// Runs the example as a user would, as a real child process (it starts its own rabbitmq-server).
const run = runExampleOnce(import.meta.url);

it('exits 0 and says every message behaved', () => {
  expect(run().code, `stdout:\n${run().stdout}\nstderr:\n${run().stderr}`).toBe(0);
  expect(run().stdout).toContain(
    'OK: each message ran as its publisher; forged and too-old ones were dead-lettered',
  );
});

it('shows each message handled as its publisher, and the late one accepted', () => {
  expect(run().stdout).toContain('order of alice as sub=alice');
  expect(run().stdout).toContain('order of bob as sub=bob');
  expect(run().stdout).toContain('order queued 15 min ago as sub=erin');
});

it('shows the forged and the too-old message dead-lettered, never handled', () => {
  expect(run().stdout).toContain('forged order refused, ERR_PASSPORT_SIGNATURE, dead-lettered');
  expect(run().stdout).toContain(
    'order queued 2 h ago refused, ERR_PASSPORT_EXPIRED, dead-lettered',
  );
  expect(run().stdout).toContain('notifier.dead holds 2 messages');
});
