import { createTestRelay, runConcurrently } from '@passport-relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { passportClientInterceptor, passportServerInterceptor } from '../src/index.js';
import {
  chat,
  get,
  list,
  type OrdersClient,
  type OrdersServer,
  ordersClient,
  startOrdersServer,
} from './orders-fixture.js';

const CALLS = 2_000;

describe(`${CALLS} concurrent calls with distinct passports through two gRPC hops`, () => {
  const { relay } = createTestRelay({ mode: 'HS256' });
  let backend: OrdersServer;
  let front: OrdersServer;
  let toBackend: OrdersClient;
  let toFront: OrdersClient;

  beforeAll(async () => {
    backend = await startOrdersServer(relay, [
      passportServerInterceptor(relay, { required: true }),
    ]);
    toBackend = ordersClient(backend.target, [
      passportClientInterceptor(relay, { target: backend.target }),
    ]);
    // The front service's handler calls the backend with no passport in its code: the client
    // interceptor carries the caller's on.
    front = await startOrdersServer(
      relay,
      [passportServerInterceptor(relay, { required: true })],
      async (id) => (await get(toBackend, id)).sub,
    );
    toFront = ordersClient(front.target, [
      passportClientInterceptor(relay, { target: front.target }),
    ]);
  });
  afterAll(async () => {
    toFront.close();
    toBackend.close();
    await front.close();
    await backend.close();
  });

  it('no call sees another caller, at either hop, in unary and streaming calls', async () => {
    const crossed: string[] = [];
    await runConcurrently(CALLS, 200, (i) =>
      relay.run({ sub: `user-${i}` }, async () => {
        const expected = `user-${i}`;
        const replies =
          i % 3 === 0
            ? [await get(toFront, `o-${i}`)]
            : i % 3 === 1
              ? await list(toFront, `o-${i}`)
              : await chat(toFront, [`o-${i}`, `p-${i}`]);
        for (const reply of replies) {
          if (reply.sub !== expected || reply.downstreamSub !== expected) {
            crossed.push(`${expected} saw ${reply.sub}/${reply.downstreamSub}`);
          }
        }
        if (replies.length === 0) crossed.push(`${expected} got no reply`);
      }),
    );
    expect(crossed).toEqual([]);
    expect(front.handlerRuns()).toBe(CALLS);
  }, 120_000);
});
