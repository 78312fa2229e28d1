import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { runConcurrently } from '../src/index.js';

describe('runConcurrently', () => {
  it('runs every index once and resolves with the results in index order', async () => {
    const results = await runConcurrently(50, 7, async (i) => {
      await tick();
      return i * 2;
    });
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
  });

  it('never has more than `limit` tasks in flight, and reaches the limit', async () => {
    let inFlight = 0;
    let most = 0;
    await runConcurrently(40, 5, async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await tick();
      inFlight--;
    });
    expect(most).toBe(5);
  });

  it('starts no new task after one fails, and rejects with that failure', async () => {
    const started: number[] = [];
    const failure = new Error('task 3 failed');
    const run = runConcurrently(100, 2, async (i) => {
      started.push(i);
      await tick();
      if (i === 3) throw failure;
    });
    await expect(run).rejects.toBe(failure);
    await tick();
    expect(Math.max(...started)).toBeLessThanOrEqual(4);
  });

  it('resolves with no results for no tasks', async () => {
    expect(await runConcurrently(0, 10, async () => 1)).toEqual([]);
  });

  it.each([
    [-1, 1, /"total"/],
    [1.5, 1, /"total"/],
    [10, 0, /"limit"/],
  ])('refuses total %s with limit %s', async (total, limit, message) => {
    await expect(runConcurrently(total, limit, async () => undefined)).rejects.toThrow(message);
  });
});
