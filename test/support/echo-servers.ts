/**
 * The same echo service on each inbound adapter, on a loopback port of its own: one route,
 * `GET /echo`, that requires a passport and answers with the caller as every view of it saw it.
 * `echo-service.ts` runs one in a child process.
 */
import 'reflect-metadata';
import { Controller, Get, Inject, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Relay } from '@passport-relay/core';
import { passportRelay as expressRelay } from '@passport-relay/express';
import { passportRelay as fastifyRelay } from '@passport-relay/fastify';
import { CurrentPassport, PASSPORT_RELAY, PassportRelayModule } from '@passport-relay/nest';
import { type LoopbackServer, listenOnLoopback } from '@passport-relay/testing';
import express from 'express';
import Fastify from 'fastify';
import type { Echo } from './fuzz-oracle.js';

export type EchoServerFactory = (relay: Relay) => Promise<LoopbackServer>;

function echo(relay: Relay, views: Record<string, string | null> = {}): Echo {
  const context = relay.currentContext();
  return { sub: context?.passport?.sub ?? null, token: context?.token ?? null, views };
}

/** Express 5 with `@passport-relay/express`. */
export const startExpressEcho: EchoServerFactory = async (relay) => {
  const app = express();
  app.use(expressRelay(relay, { required: true }));
  app.get('/echo', (_req, res) => {
    res.json(echo(relay));
  });
  return listenOnLoopback(app);
};

/** Fastify 5 with `@passport-relay/fastify`; `request.passport` is a second view. */
export const startFastifyEcho: EchoServerFactory = async (relay) => {
  const app = Fastify();
  await app.register(fastifyRelay, { relay, required: true });
  app.get('/echo', async (request) =>
    echo(relay, { 'request.passport': request.passport?.sub ?? null }),
  );
  return listenOnLoopback(app);
};

@Controller()
class EchoController {
  constructor(@Inject(PASSPORT_RELAY) private readonly relay: Relay) {}

  @Get('echo')
  echo(@CurrentPassport('sub') sub: string | undefined): Echo {
    return echo(this.relay, { '@CurrentPassport': sub ?? null });
  }
}

/** Nest 11 on `@nestjs/platform-express` with `PassportRelayModule`; `@CurrentPassport()` too. */
export const startNestEcho: EchoServerFactory = async (relay) => {
  @Module({
    imports: [PassportRelayModule.forRoot({ relay, required: true })],
    controllers: [EchoController],
  })
  class EchoModule {}

  return listenOnLoopback(await NestFactory.create(EchoModule, { logger: ['error'] }));
};

/** The echo service per framework, by the name `echo-service.ts` takes. */
export const ECHO_SERVERS = {
  express: startExpressEcho,
  fastify: startFastifyEcho,
  nest: startNestEcho,
} as const satisfies Record<string, EchoServerFactory>;

export type EchoFramework = keyof typeof ECHO_SERVERS;
