/**
 * The same echo service on each inbound adapter, on a loopback port of its own: one route,
 * `GET /echo`, that requires a passport and answers with the caller as every view of it saw it.
 * `echo-service.ts` runs one in a child process.
 */
import 'reflect-metadata';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Controller, Get, Inject, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Relay } from '@passport-relay/core';
import { passportRelay as expressRelay } from '@passport-relay/express';
import { passportRelay as fastifyRelay } from '@passport-relay/fastify';
import { CurrentPassport, PASSPORT_RELAY, PassportRelayModule } from '@passport-relay/nest';
import express from 'express';
import Fastify from 'fastify';
import type { Echo } from './fuzz-oracle.js';

export interface EchoServer {
  readonly origin: string;
  readonly port: number;
  close(): Promise<void>;
}

export type EchoServerFactory = (relay: Relay) => Promise<EchoServer>;

function echo(relay: Relay, views: Record<string, string | null> = {}): Echo {
  const context = relay.currentContext();
  return { sub: context?.passport?.sub ?? null, token: context?.token ?? null, views };
}

function addressOf(server: Server): { origin: string; port: number } {
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, port };
}

function closeNode(server: Server): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.closeAllConnections();
    server.close((error) => (error ? reject(error) : resolve()));
  });
}

/** Express 5 with `@passport-relay/express`. */
export const startExpressEcho: EchoServerFactory = async (relay) => {
  const app = express();
  app.use(expressRelay(relay, { required: true }));
  app.get('/echo', (_req, res) => {
    res.json(echo(relay));
  });
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  return { ...addressOf(server), close: () => closeNode(server) };
};

/** Fastify 5 with `@passport-relay/fastify`; `request.passport` is a second view. */
export const startFastifyEcho: EchoServerFactory = async (relay) => {
  const app = Fastify();
  await app.register(fastifyRelay, { relay, required: true });
  app.get('/echo', async (request) =>
    echo(relay, { 'request.passport': request.passport?.sub ?? null }),
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { ...addressOf(app.server), close: () => app.close() };
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

  const app = await NestFactory.create(EchoModule, { logger: ['error'] });
  await app.listen(0, '127.0.0.1');
  const server = app.getHttpServer() as Server;
  return { ...addressOf(server), close: () => app.close() };
};

/** The echo service per framework, by the name `echo-service.ts` takes. */
export const ECHO_SERVERS = {
  express: startExpressEcho,
  fastify: startFastifyEcho,
  nest: startNestEcho,
} as const satisfies Record<string, EchoServerFactory>;

export type EchoFramework = keyof typeof ECHO_SERVERS;
