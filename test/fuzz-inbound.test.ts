/**
 * Hardening: the inbound path of every adapter under generated hostile header sets, sent over real
 * HTTP to a real server. Every answer must be 200 for the caller of a passport that is valid (an
 * independent JOSE library agrees) or a typed refusal (400/401/431, `application/problem+json`,
 * an `ERR_PASSPORT_*` code), or Node's own 400/431 for requests malformed at the HTTP level. Never
 * a 5xx, and the server keeps serving.
 *
 * FUZZ_RUNS sets the header sets per adapter (default 100,000). The seed is fixed by default, so
 * that `pnpm test` is reproducible; FUZZ_SEED=random explores new cases, FUZZ_SEED=<n> replays a
 * run, and FUZZ_PATH (both printed on failure) starts it at the failing batch.
 */
import { maxHeaderSize } from 'node:http';
import { DEFAULT_LIMITS, type PassportErrorCode, TRACING_HEADERS } from '@passport-relay/core';
import { createTestRelay, type TestRelay } from '@passport-relay/testing';
import fc from 'fast-check';
import { Client, type Dispatcher, Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildService, startChildService } from './support/child-service.js';
import type { EchoFramework } from './support/echo-servers.js';
import {
  type FuzzCase,
  type FuzzEnvironment,
  fuzzCase,
  type IssuedPassport,
  legalOnTheWire,
} from './support/fuzz-cases.js';
import { deliver, deliverRaw, FUZZ_PATH } from './support/fuzz-http.js';
import { describeCase, judge, type OracleOptions, Tally, verdict } from './support/fuzz-oracle.js';
import { forgeryFor, verificationJwk } from './support/jws.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 100_000);
const DEFAULT_SEED = 20_261_121;
const SEED =
  process.env.FUZZ_SEED === 'random' ? undefined : Number(process.env.FUZZ_SEED ?? DEFAULT_SEED);
const PATH = process.env.FUZZ_PATH;
/** Header sets generated and sent together; the pool below bounds what is in flight. */
const BATCH = 100;
const CONNECTIONS = 16;
/** 100,000 runs take about a minute per adapter on 2 cores: room for a slower machine. */
const RUN_TIMEOUT_MS = 10 * 60_000;
/** Node's default `maxHeadersCount`: header lines past it are dropped, not refused. */
const NODE_MAX_HEADER_LINES = 1000;
/** Below this many runs a run may not meet every refusal code; it still checks the common ones. */
const RUNS_FOR_EVERY_CODE = 5_000;

/** Each adapter serves from a child process, so that it has a core of its own. */
const ADAPTERS: readonly {
  readonly name: string;
  readonly framework: EchoFramework;
  readonly mode: 'EdDSA' | 'HS256';
}[] = [
  { name: 'Express', framework: 'express', mode: 'EdDSA' },
  { name: 'Fastify', framework: 'fastify', mode: 'HS256' },
  { name: 'Nest on platform-express', framework: 'nest', mode: 'EdDSA' },
];

/** Refusals a fuzz run must have met: proof that it reached every branch of the decision. */
const EVERY_CODE: readonly PassportErrorCode[] = [
  'ERR_PASSPORT_MISSING',
  'ERR_PASSPORT_MALFORMED',
  'ERR_PASSPORT_TOO_LARGE',
  'ERR_PASSPORT_DUPLICATE',
  'ERR_PASSPORT_ALGORITHM',
  'ERR_PASSPORT_KEY_UNKNOWN',
  'ERR_PASSPORT_SIGNATURE',
  'ERR_PASSPORT_EXPIRED',
  'ERR_PASSPORT_NOT_YET_VALID',
  'ERR_PASSPORT_CLAIM_INVALID',
];
const COMMON_CODES: readonly PassportErrorCode[] = [
  'ERR_PASSPORT_MISSING',
  'ERR_PASSPORT_MALFORMED',
  'ERR_PASSPORT_SIGNATURE',
];

/** Valid passports for a spread of callers, some of them far from ASCII. */
function issue(test: TestRelay): IssuedPassport[] {
  const subs = [
    ...Array.from({ length: 60 }, (_, i) => `user-${i}`),
    'ümlaut-ü',
    '用户-七',
    'emoji-😀',
    'quote-"-and-\\',
  ];
  return subs.map((sub) => ({ sub, token: test.relay.issue({ sub, tenant: 't-1' }) }));
}

describe.each(ADAPTERS)('$name inbound, fuzzed', ({ name, framework, mode }) => {
  let test: TestRelay;
  let server: ChildService;
  let pool: Pool;
  /** For the requests undici must refuse to send (see `deliver`). */
  let refusing: Client;
  /**
   * For requests Node or the framework may refuse before the relay sees them (a head near 16 KiB):
   * Fastify's client-error handler answers 431 without `connection: close` and then resets the
   * socket, which would fail whichever request undici sent next on it.
   */
  let oversize: Client;
  let env: FuzzEnvironment;
  let oracle: OracleOptions;
  const tally = new Tally();

  beforeAll(async () => {
    // Valid for longer than the run may take on a slow machine (the default is five minutes).
    test = createTestRelay({ mode, forwardHeaders: TRACING_HEADERS, ttlSeconds: 3600 });
    server = await startChildService('./echo-service.ts', {
      ECHO_FRAMEWORK: framework,
      PASSPORT_ISSUER: test.issuer,
      PASSPORT_JWK: JSON.stringify(verificationJwk(test)),
    });
    pool = new Pool(server.origin, {
      connections: CONNECTIONS,
      pipelining: 1,
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
    refusing = new Client(server.origin);
    oversize = new Client(server.origin);
    const forgery = forgeryFor(test);
    env = {
      issued: issue(test),
      forgery,
      now: () => Math.floor(Date.now() / 1000),
      maxPassportBytes: DEFAULT_LIMITS.maxHeaderBytes,
    };
    oracle = { forgery, maxHeaderSize, maxHeaderLines: NODE_MAX_HEADER_LINES };
  });

  afterAll(async () => {
    await pool?.close();
    await refusing?.close();
    await oversize?.close();
    await server?.stop();
  });

  function dispatcherFor(fuzz: FuzzCase): Dispatcher {
    if (!legalOnTheWire(fuzz)) return refusing;
    return judge(fuzz, oracle).httpLevel ? oversize : pool;
  }

  it(
    `answers ${RUNS} generated header sets with the caller or a typed refusal, never a 5xx`,
    async () => {
      const started = performance.now();
      const batches = fc.array(fuzzCase(env), { minLength: BATCH, maxLength: BATCH });
      const property = fc.asyncProperty(batches, async (batch) => {
        const failures = await Promise.all(
          batch.map(async (fuzz) => {
            const delivery =
              fuzz.malformation !== undefined
                ? await deliverRaw(server.port, fuzz)
                : await deliver(dispatcherFor(fuzz), fuzz);
            const failure = await verdict(fuzz, delivery, oracle, tally);
            return failure === undefined ? undefined : `${failure}\n${describeCase(fuzz)}`;
          }),
        );
        const failure = failures.find((message) => message !== undefined);
        if (failure !== undefined) throw new Error(failure);
      });
      const run = await fc.check(property, {
        numRuns: Math.ceil(RUNS / BATCH),
        endOnFailure: true,
        ...(SEED === undefined ? {} : { seed: SEED }),
        ...(PATH === undefined ? {} : { path: PATH }),
      });
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      console.info(`[fuzz ${name}] ${seconds}s seed=${run.seed}`, JSON.stringify(tally));
      if (run.failed) {
        const cause =
          run.errorInstance instanceof Error
            ? run.errorInstance.message
            : String(run.errorInstance);
        throw new Error(
          `${name}: FUZZ_SEED=${run.seed} FUZZ_PATH=${run.counterexamplePath}:\n${cause}\n${server.stderr()}`,
        );
      }

      const cases = tally.get('cases');
      expect(cases).toBe(Math.ceil(RUNS / BATCH) * BATCH);
      expect(tally.get('accepted')).toBeGreaterThan(cases * 0.15);
      expect(tally.sum('refused: ')).toBeGreaterThan(cases * 0.4);
      expect(tally.keys('refused: ')).toEqual(
        expect.arrayContaining([...(RUNS >= RUNS_FOR_EVERY_CODE ? EVERY_CODE : COMMON_CODES)]),
      );
      expect(tally.sum('not-sent')).toBeGreaterThan(0);
      expect(tally.sum('http: ')).toBeGreaterThan(0);
    },
    RUN_TIMEOUT_MS,
  );

  it('still serves a valid passport after the run', async () => {
    expect(server.alive(), server.stderr()).toBe(true);
    const token = test.relay.issue({ sub: 'after-the-storm' });
    const response = await pool.request({
      path: FUZZ_PATH,
      method: 'GET',
      headers: { passport: token },
    });
    expect(response.statusCode).toBe(200);
    expect(await response.body.json()).toMatchObject({ sub: 'after-the-storm', token });
  });
});
