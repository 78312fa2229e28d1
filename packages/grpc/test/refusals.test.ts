import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { PASSPORT_ERRORS, PassportError } from '@passport-relay/core';
import { createTestRelay, type ForgedPassport, forgedPassports } from '@passport-relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grpcRefusal, passportServerInterceptor } from '../src/index.js';
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

describe('grpcRefusal maps each kind of PassportError to a gRPC status', () => {
  it.each([
    ['ERR_PASSPORT_EXPIRED', status.UNAUTHENTICATED],
    ['ERR_PASSPORT_TOO_LARGE', status.UNAUTHENTICATED],
    ['ERR_PASSPORT_DUPLICATE', status.UNAUTHENTICATED],
    ['ERR_PASSPORT_UNAVAILABLE', status.UNAVAILABLE],
    ['ERR_PASSPORT_OPTIONS', status.INTERNAL],
  ] as const)('%s → %i', (code, expected) => {
    const refusal = grpcRefusal(new PassportError(code, 'what went wrong'));
    expect(refusal).toMatchObject({ code: expected, errorCode: code });
    expect(refusal.details).toContain(PASSPORT_ERRORS[code].title);
  });
});
