/**
 * Soak: 200,000 requests through a two-hop chain (Fastify edge → fetch → Express next hop), each in
 * its own process. Every answer must name its own caller at both hops; the heap of each hop after
 * full GCs at the end must be within 10% of its heap after warm-up; and the verification caches,
 * churned by more callers than they hold, must never pass their bound.
 *
 * SOAK_REQUESTS changes the count (default 200,000) for a quicker local run.
 */
import { createTestRelay } from '@passport-relay/testing';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildService, startChildService } from './support/child-service.js';
import { forgeJws, forgeryFor, verificationJwk } from './support/jws.js';
import type { CacheAnswer, ChainAnswer, HeapAnswer } from './support/soak-service.js';

const REQUESTS = Number(process.env.SOAK_REQUESTS ?? 200_000);
/** Requests before the baseline heap: long enough for V8 to optimise and pools to fill. */
const WARM_UP = Math.min(20_000, Math.ceil(REQUESTS / 10));
const CONNECTIONS = 32;
/** Distinct callers, five times what the caches hold, so that the bound is exercised throughout. */
const CALLERS = 5_000;
const CACHE_MAX = 1_000;
/** Every FORGED_EVERY-th request carries a forged passport, so that refusals are soaked too. */
const FORGED_EVERY = 20;
/** How often the caches are sampled, in requests. */
const SAMPLE_EVERY = 10_000;
const HEAP_GROWTH_ALLOWED = 0.1;
/** 200,000 requests take about 2 minutes on 2 cores: room for a slower machine. */
const SOAK_TIMEOUT_MS = 15 * 60_000;

interface Failure {
  readonly request: number;
  readonly problem: string;
}

describe('a two-hop chain soaked', () => {
  // Valid for longer than the soak may take on a slow machine (the default is five minutes).
  const test = createTestRelay({ mode: 'HS256', ttlSeconds: 3600 });
  const tokens = Array.from({ length: CALLERS }, (_, i) =>
    test.relay.issue({ sub: `caller-${i}` }),
  );
  const forgery = forgeryFor(test);
  /** Well-formed, unexpired, for the right issuer, signed with a key the chain does not trust. */
  const forged = forgeJws(
    { alg: 'HS256', typ: 'JWT', kid: forgery.kid },
    { sub: 'mallory', iss: test.issuer, exp: Math.floor(Date.now() / 1000) + 3600 },
    forgery.wrongKey,
  );
  let next: ChildService;
  let edge: ChildService;
  let pool: Pool;

  beforeAll(async () => {
    const env = {
      PASSPORT_ISSUER: test.issuer,
      PASSPORT_JWK: JSON.stringify(verificationJwk(test)),
      SOAK_CACHE_MAX: String(CACHE_MAX),
    };
    next = await startChildService('./soak-service.ts', { ...env, SOAK_ROLE: 'next' }, [
      '--expose-gc',
    ]);
    edge = await startChildService(
      './soak-service.ts',
      { ...env, SOAK_ROLE: 'edge', SOAK_NEXT: next.origin },
      ['--expose-gc'],
    );
    pool = new Pool(edge.origin, { connections: CONNECTIONS });
  });

  afterAll(async () => {
    await pool?.close();
    await edge?.stop();
    await next?.stop();
  });

  /** Send requests `from` to `to` (exclusive), CONNECTIONS at a time; record what went wrong. */
  async function send(
    from: number,
    to: number,
    failures: Failure[],
    onSample: () => Promise<void>,
  ) {
    let cursor = from;
    const worker = async () => {
      while (cursor < to) {
        const request = cursor++;
        if (request % SAMPLE_EVERY === 0) await onSample();
        const isForged = request % FORGED_EVERY === 0;
        const caller = `caller-${request % CALLERS}`;
        const response = await pool.request({
          path: '/chain',
          method: 'GET',
          headers: { passport: isForged ? forged : tokens[request % CALLERS]! },
        });
        const body = await response.body.text();
        const expected = isForged ? 401 : 200;
        if (response.statusCode !== expected) {
          failures.push({
            request,
            problem: `status ${response.statusCode}: ${body.slice(0, 200)}`,
          });
          continue;
        }
        if (isForged) continue;
        const answer = JSON.parse(body) as ChainAnswer;
        if (answer.edge !== caller || answer.next !== caller || answer.nextStatus !== 200) {
          failures.push({ request, problem: `sent as ${caller}, answered ${body}` });
        }
      }
    };
    await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  }

  it(
    `serves ${REQUESTS} requests without mixing callers, growing the heap or the caches`,
    async () => {
      const failures: Failure[] = [];
      const cacheSizes: number[] = [];
      const sample = async () => {
        for (const hop of [edge, next]) {
          const cache = await hop.ask<CacheAnswer>('cache');
          expect(cache.maxEntries).toBe(CACHE_MAX);
          cacheSizes.push(cache.size);
        }
      };

      await send(0, WARM_UP, failures, sample);
      const warm = await Promise.all([edge.ask<HeapAnswer>('heap'), next.ask<HeapAnswer>('heap')]);
      await send(WARM_UP, REQUESTS, failures, sample);
      await sample();
      const end = await Promise.all([edge.ask<HeapAnswer>('heap'), next.ask<HeapAnswer>('heap')]);

      const growth = end.map(({ heapUsed }, hop) => heapUsed / warm[hop]!.heapUsed - 1);
      const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
      console.info(
        `[soak] ${REQUESTS} requests; heap after warm-up → end (MiB): edge ${mib(warm[0]!.heapUsed)} → ${mib(end[0]!.heapUsed)}, next ${mib(warm[1]!.heapUsed)} → ${mib(end[1]!.heapUsed)}; caches at most ${Math.max(...cacheSizes)} of ${CACHE_MAX}`,
      );

      expect(failures.slice(0, 3)).toEqual([]);
      expect(edge.alive() && next.alive()).toBe(true);
      for (const ratio of growth) expect(ratio).toBeLessThanOrEqual(HEAP_GROWTH_ALLOWED);
      expect(Math.max(...cacheSizes)).toBe(CACHE_MAX);
    },
    SOAK_TIMEOUT_MS,
  );
});
