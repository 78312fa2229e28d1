import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTopology, type Topology } from '../examples/demo/src/topology.js';
import { checkout, client, sawOnlyItsUser } from './demo/checkout.js';

// The demo topology (five processes: gateway, Express, Fastify, Nest, partner) under load.
describe('the demo topology under load', () => {
  let topology: Topology;
  const users = Array.from({ length: 50 }, (_, i) => `user-${i}`);
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    topology = await startTopology();
    for (const user of users) tokens.set(user, await topology.login(user));
  });
  afterAll(async () => topology?.stop());

  it('keeps 2,000 concurrent requests from 50 users apart at every hop, and leaks none', async () => {
    const dispatcher = client(100);
    const outcomes = await Promise.all(
      Array.from({ length: 2000 }, (_, i) => {
        const user = users[i % users.length]!;
        return checkout(topology.url.gateway, user, tokens.get(user)!, dispatcher, 60_000);
      }),
    );
    await dispatcher.close();

    const failed = outcomes.filter((outcome) => outcome.status !== 200);
    const crossed = outcomes.filter(
      (outcome) => outcome.status === 200 && !sawOnlyItsUser(outcome),
    );
    expect(failed.slice(0, 3)).toEqual([]);
    expect(crossed.slice(0, 3)).toEqual([]);
    expect(new Set(outcomes.map((outcome) => outcome.hops[3]?.sub)).size).toBe(50);

    const partner = (await (await fetch(`${topology.url.partner}/report`)).json()) as {
      requests: number;
      receivedPassport: boolean;
    };
    expect(partner).toEqual({ requests: 2000, receivedPassport: false });
  });
});
