/**
 * Type tests: a relay typed with an *interface* is accepted by every adapter without a cast, and
 * Fastify's `request.passport` keeps the fields an application declares. `pnpm typecheck` (tsc)
 * is what proves them; at run time `expectTypeOf` checks nothing, so the test also calls each
 * adapter once to show the calls are real.
 */
import { propagation } from '@opentelemetry/api';
import { installAxiosPropagation } from '@passport-relay/axios';
import {
  createRelay,
  type Passport,
  plainCodecTrustingMesh,
  type Relay,
} from '@passport-relay/core';
import { passportRelay as expressPassportRelay } from '@passport-relay/express';
import {
  type FastifyPassportFields,
  passportRelay as fastifyPassportRelay,
} from '@passport-relay/fastify';
import { createGateway } from '@passport-relay/gateway';
import { installHttpPropagation } from '@passport-relay/http';
import { PassportRelayModule } from '@passport-relay/nest';
import { PassportPropagator } from '@passport-relay/otel';
import { installGlobalFetchPropagation, passportInterceptor } from '@passport-relay/undici';
import axios from 'axios';
import Fastify, { type FastifyRequest } from 'fastify';
import { describe, expect, expectTypeOf, it } from 'vitest';

/** An application's passport fields, declared as an interface (no index signature). */
interface OrderFields {
  readonly tenant: string;
  readonly roles: readonly string[];
}

declare module '@passport-relay/fastify' {
  interface FastifyPassportFields {
    readonly tenant: string;
  }
}

const relay: Relay<OrderFields> = createRelay<OrderFields>({ codec: plainCodecTrustingMesh() });

describe('a relay typed with an interface', () => {
  it('is accepted by every adapter without a cast', async () => {
    const uninstalls = [
      installHttpPropagation(relay),
      installAxiosPropagation(relay, { axios: axios.create() }),
      installGlobalFetchPropagation(relay),
    ];
    expect(typeof expressPassportRelay(relay)).toBe('function');
    expect(typeof passportInterceptor(relay)).toBe('function');
    expect(PassportRelayModule.forRoot({ relay }).module).toBe(PassportRelayModule);
    expect(new PassportPropagator({ relay }).fields()).toContain('passport');
    const app = Fastify();
    await app.register(fastifyPassportRelay, { relay });
    await app.close();
    expectTypeOf(createGateway<OrderFields>)
      .parameter(0)
      .toHaveProperty('relay')
      .toEqualTypeOf<Relay<OrderFields>>();
    for (const uninstall of uninstalls.reverse()) uninstall();
    expect(propagation).toBeDefined();
  });

  it("keeps the interface's fields in relay.current()", () => {
    expectTypeOf(relay.current()).toEqualTypeOf<Passport<OrderFields> | undefined>();
    relay.run({ sub: 'alice', tenant: 't1', roles: [] }, () => {
      expectTypeOf(relay.require().tenant).toEqualTypeOf<string>();
      expect(relay.require().tenant).toBe('t1');
    });
  });
});

describe("Fastify's request.passport", () => {
  it('is typed with the augmentable FastifyPassportFields, so declared fields keep their type', () => {
    expectTypeOf<FastifyRequest['passport']>().toEqualTypeOf<
      Passport<FastifyPassportFields> | undefined
    >();
    expectTypeOf<NonNullable<FastifyRequest['passport']>['tenant']>().toEqualTypeOf<string>();
  });
});
