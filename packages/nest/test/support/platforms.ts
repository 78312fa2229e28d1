import 'reflect-metadata';
import type { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { closeAll, listenOnLoopback } from '@passport-relay/testing';

/** Every behaviour is tested on both HTTP platforms Nest ships. */
export const PLATFORMS = ['express', 'fastify'] as const;
export type Platform = (typeof PLATFORMS)[number];

export interface RunningApp {
  readonly app: INestApplication;
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  close(): Promise<void>;
}

/** A real Nest application on `platform`, listening on a free loopback port. */
export async function startApp(
  platform: Platform,
  module: Type | DynamicModule,
): Promise<RunningApp> {
  const adapter = platform === 'express' ? new ExpressAdapter() : new FastifyAdapter();
  const app = await NestFactory.create(module, adapter, {
    logger: false,
    abortOnError: false,
    forceCloseConnections: true,
  });
  const { origin, close } = await listenOnLoopback(app);
  return { app, origin, close };
}

/** Closes every app started through it; call `closeAll()` in `afterEach`/`afterAll`. */
export function appTracker() {
  const running: RunningApp[] = [];
  return {
    async start(platform: Platform, module: Type | DynamicModule): Promise<RunningApp> {
      const app = await startApp(platform, module);
      running.push(app);
      return app;
    },
    async closeAll(): Promise<void> {
      await closeAll(running);
    },
  };
}
