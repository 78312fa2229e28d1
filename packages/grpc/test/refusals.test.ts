import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { createTestRelay, type ForgedPassport, forgedPassports } from '@passport-relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { passportServerInterceptor } from '../src/index.js';
import {
  get,
  type OrdersClient,
  type OrdersServer,
  ordersClient,
  startOrdersServer,
} from './orders-fixture.js';

const test = createTestRelay();
const { relay } = test;
const cases: ForgedPassport[] = forgedPassports(test);

describe('the server interceptor refuses every bad passport', () => {
  let server: OrdersServer;
  let client: OrdersClient;

  beforeAll(async () => {
    server = await startOrdersServer(relay, [passportServerInterceptor(relay, { required: true })]);
    client = ordersClient(server.target);
  });
  afterAll(async () => {
    client.close();
    await server.close();
  });

  it.each(cases)(
    '$name: UNAUTHENTICATED with $code, details without the token, before the handler, and serves on',
    async ({ code, headers, tokens }) => {
      const runs = server.handlerRuns();
      const metadata = new Metadata();
      for (let i = 0; i < headers.length; i += 2) metadata.add(headers[i]!, headers[i + 1]!);

      const error = (await get(client, 'o-1', metadata).catch((e: unknown) => e)) as ServiceError;

      expect(error.code).toBe(status.UNAUTHENTICATED);
      expect(error.metadata.get('passport-error')).toEqual([code]);
      for (const token of tokens) {
        for (const part of token.split('.').filter((segment) => segment.length >= 8)) {
          expect(error.details).not.toContain(part);
        }
      }
      expect(server.handlerRuns()).toBe(runs);

      const good = new Metadata();
      good.set('passport', relay.issue({ sub: 'alice' }));
      await expect(get(client, 'o-2', good)).resolves.toMatchObject({ sub: 'alice' });
      expect(server.handlerRuns()).toBe(runs + 1);
    },
  );
});
