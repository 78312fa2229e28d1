/**
 * Child-process entry for the soak: one hop of a two-hop chain, run with `--expose-gc`.
 *
 * - `SOAK_ROLE=edge`: Fastify 5 with `@passport-relay/fastify`. `GET /chain` calls the next hop's
 *   `/whoami` with global `fetch` (the passport goes with it through the undici hook) and answers
 *   `{ edge, next }`: the caller as each hop saw it.
 * - `SOAK_ROLE=next`: Express 5 with `@passport-relay/express`. `GET /whoami` answers `{ sub }`.
 *
 * Both verify passports against `PASSPORT_JWK`/`PASSPORT_ISSUER` with a verification cache of
 * `SOAK_CACHE_MAX` entries, and answer two questions over IPC: `heap` (heap used after full GCs)
 * and `cache` (the cache's size and bound). It prints `LISTENING <port>`; SIGTERM closes it.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { createRelay, type Relay, signedCodec } from '@passport-relay/core';
import { passportRelay as expressRelay } from '@passport-relay/express';
import { passportRelay as fastifyRelay } from '@passport-relay/fastify';
import { type LoopbackServer, listenOnLoopback } from '@passport-relay/testing';
import { installGlobalFetchPropagation } from '@passport-relay/undici';
import express from 'express';
import Fastify from 'fastify';
import { answerQuestions, LISTENING } from './child-service.js';

/** What `heap` answers. */
export interface HeapAnswer {
  readonly heapUsed: number;
}

/** What `cache` answers. */
export interface CacheAnswer {
  readonly size: number;
  readonly maxEntries: number;
}

/** What the edge answers on `/chain`. */
export interface ChainAnswer {
  readonly edge: string | null;
  readonly next: string | null;
  readonly nextStatus: number;
}

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('soak-service needs node --expose-gc');

const relay = createRelay({
  codec: signedCodec({
    issuer: process.env.PASSPORT_ISSUER ?? '',
    keys: [JSON.parse(process.env.PASSPORT_JWK ?? '{}')],
  }),
  propagateTo: ['127.0.0.1'],
  cache: { maxEntries: Number(process.env.SOAK_CACHE_MAX ?? 10_000) },
});

async function startEdge(relay: Relay, next: string): Promise<LoopbackServer> {
  installGlobalFetchPropagation(relay);
  const app = Fastify();
  await app.register(fastifyRelay, { relay, required: true });
  app.get('/chain', async (): Promise<ChainAnswer> => {
    const response = await fetch(`${next}/whoami`);
    const seen = (await response.json()) as { sub?: string };
    return {
      edge: relay.current()?.sub ?? null,
      next: seen.sub ?? null,
      nextStatus: response.status,
    };
  });
  return listenOnLoopback(app);
}

async function startNext(relay: Relay): Promise<LoopbackServer> {
  const app = express();
  app.use(expressRelay(relay, { required: true }));
  app.get('/whoami', (_req, res) => {
    res.json({ sub: relay.current()?.sub ?? null });
  });
  return listenOnLoopback(app);
}

const server =
  process.env.SOAK_ROLE === 'edge'
    ? await startEdge(relay, process.env.SOAK_NEXT ?? '')
    : await startNext(relay);

answerQuestions({
  // Several full collections a turn apart, so that what finalizers and weak references free
  // after the first one is gone too.
  heap: async (): Promise<HeapAnswer> => {
    for (let i = 0; i < 4; i++) {
      gc();
      await nextTurn();
    }
    return { heapUsed: process.memoryUsage().heapUsed };
  },
  cache: (): CacheAnswer => ({ size: relay.cache.size, maxEntries: relay.cache.maxEntries }),
});
process.once('SIGTERM', () => {
  void server.close().finally(() => process.exit(0));
});
console.log(`${LISTENING} ${server.port}`);
