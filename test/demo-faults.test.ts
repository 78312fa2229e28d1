import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTopology, type Topology } from '../examples/demo/src/topology.js';
import { checkout, client, type Outcome, sawOnlyItsUser } from './demo/checkout.js';

// A downstream service dies mid-run: its callers answer with an error, nothing crashes or hangs,
// no identities cross, and traffic flows again once it is back.
describe('a downstream service killed mid-run', () => {
  let topology: Topology;
  const users = Array.from({ length: 10 }, (_, i) => `fault-${i}`);
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    topology = await startTopology();
    for (const user of users) tokens.set(user, await topology.login(user));
  });
  afterAll(async () => topology?.stop());

  /** `count` checkouts, `concurrency` at a time, users in turn. */
  async function traffic(count: number, concurrency: number): Promise<Outcome[]> {
    const dispatcher = client(concurrency);
    const outcomes: Outcome[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) {
          const user = users[next++ % users.length]!;
          outcomes.push(await checkout(topology.url.gateway, user, tokens.get(user)!, dispatcher));
        }
      }),
    );
    await dispatcher.close();
    return outcomes;
  }

  it('turns into error responses at the caller, then recovers after a restart', async () => {
    const before = await traffic(100, 10);
    expect(before.every(sawOnlyItsUser)).toBe(true);

    // Kill payments (Fastify) while requests are in flight.
    const during = traffic(300, 10);
    await sleep(300);
    await topology.kill('payments');
    const duringOutcomes = await during;

    // Every request got an answer (no hangs, no resets at the edge): a correct 200 or a 502.
    expect(duringOutcomes.filter((outcome) => outcome.failure !== undefined)).toEqual([]);
    expect(duringOutcomes.every((o) => o.status === 200 || o.status === 502)).toBe(true);
    expect(duringOutcomes.filter((o) => o.status === 502).length).toBeGreaterThan(0);
    expect(duringOutcomes.filter((o) => o.status === 200).every(sawOnlyItsUser)).toBe(true);
    // The callers survived the crash.
    const callers = ['gateway', 'orders', 'users'] as const;
    expect(callers.every((name) => topology.isRunning(name))).toBe(true);
    expect(topology.isRunning('payments')).toBe(false);

    await topology.restart('payments');
    const after = await traffic(100, 10);
    expect(after.map((outcome) => outcome.status)).toEqual(Array(100).fill(200));
    expect(after.every(sawOnlyItsUser)).toBe(true);
  });
});
