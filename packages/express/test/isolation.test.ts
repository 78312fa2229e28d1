import { setTimeout as sleep } from 'node:timers/promises';
import {
  closeAll,
  createTestRelay,
  type LoopbackServer,
  listenOnLoopback,
  type RecordingServer,
  runConcurrently,
  slowJsonBody,
  startRecordingServer,
} from '@passport-relay/testing';
import type { Request, Response } from 'express';
import { Pool } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { passportRelay } from '../src/index.js';
import { expressVersions } from './frameworks.js';

const REQUESTS = 2000;
const IN_FLIGHT = 100;
const isSlow = (i: number) => i % 10 === 0;
const isAnonymous = (i: number) => i % 7 === 3;
const expectedSub = (i: number) => (isAnonymous(i) ? null : `user-${i}`);

describe.each(expressVersions)('$name isolation under concurrency', ({ express }) => {
  const started: LoopbackServer[] = [];
  let recorder: RecordingServer | undefined;
  afterEach(async () => {
    await closeAll(started);
    await recorder?.close();
  });

  it(`gives each of ${REQUESTS} concurrent requests its own passport through a timer, a parsed body and an outbound call`, async () => {
    const { relay } = createTestRelay({ mode: 'HS256' });
    recorder = await startRecordingServer();
    const target = recorder.origin;
    // A plain client with the headers set by hand: outbound hooks are other packages' job.
    const outboundPool = new Pool(target, { connections: 50 });
    const app = express();
    app.use(passportRelay(relay));
    app.use(express.json());
    app.post('/work/:i', async (req: Request, res: Response) => {
      const i = Number(req.params.i);
      await sleep(i % 3);
      const { i: bodyIndex } = req.body as { i: number };
      const outbound = Object.fromEntries(relay.outboundHeaders(target) ?? []);
      const answer = await outboundPool.request({
        path: `/seen/${i}`,
        method: 'GET',
        headers: outbound,
      });
      await answer.body.dump();
      res.json({ sub: relay.current()?.sub ?? null, bodyIndex });
    });
    const server = await listenOnLoopback(app);
    started.push(server);
    const pool = new Pool(server.origin, { connections: IN_FLIGHT });
    const wrong: string[] = [];

    try {
      await runConcurrently(REQUESTS, IN_FLIGHT, async (i) => {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (!isAnonymous(i)) headers.passport = relay.issue({ sub: `user-${i}` });
        const response = await pool.request({
          path: `/work/${i}`,
          method: 'POST',
          headers,
          body: isSlow(i) ? slowJsonBody({ i }, { parts: 3, pauseMs: 2 }) : JSON.stringify({ i }),
        });
        const seen = (await response.body.json()) as { sub: string | null; bodyIndex: number };
        if (response.statusCode !== 200 || seen.sub !== expectedSub(i) || seen.bodyIndex !== i) {
          wrong.push(`#${i}: ${response.statusCode} ${JSON.stringify(seen)}`);
        }
      });
    } finally {
      await Promise.all([pool.close(), outboundPool.close()]);
    }

    expect(wrong).toEqual([]);
    expect(recorder.requests).toHaveLength(REQUESTS);
    const leaked = recorder.requests.filter((recorded) => {
      const i = Number(recorded.url.split('/').pop());
      const value = recorded.headers.passport;
      const sub = typeof value === 'string' ? relay.verify(value).sub : null;
      return sub !== expectedSub(i);
    });
    expect(leaked).toEqual([]);
  }, 120_000);
});
