import { createAdaptorServer } from '@hono/node-server';
import { type LoopbackServer, listenOnLoopback } from '@passport-relay/testing';
import type { Hono } from 'hono';

/** Serve `app` through @hono/node-server on 127.0.0.1, port 0. */
// biome-ignore lint/suspicious/noExplicitAny: any Hono app, whatever its Env
export function serveOnLoopback(app: Hono<any>): Promise<LoopbackServer> {
  return listenOnLoopback(createAdaptorServer({ fetch: app.fetch }) as never);
}
