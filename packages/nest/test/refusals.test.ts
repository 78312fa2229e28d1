import {
  createRelay,
  type HeaderCarrier,
  isPassportError,
  PassportError,
  type Relay,
  refusalResponse,
} from '@passport-relay/core';
import { createTestRelay, type ForgedPassport, forgedPassports } from '@passport-relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send } from './support/client.js';
import { appTracker, PLATFORMS, type RunningApp } from './support/platforms.js';
import { type HandlerRuns, probeApp } from './support/probe-app.js';

/** The passport header value(s) a forgery sends; several values are sent as several header lines. */
function passportOf({ tokens }: ForgedPassport): string | string[] | undefined {
  return tokens.length > 1 ? [...tokens] : tokens[0];
}

/** What core answers for these headers, as Node would present them (repeated values joined). */
function expectedRefusal(relay: Relay, passport: string | string[] | undefined) {
  const carrier: HeaderCarrier =
    passport === undefined
      ? {}
      : { passport: Array.isArray(passport) ? passport.join(', ') : passport };
  try {
    relay.extract(carrier, { required: true });
  } catch (error) {
    if (isPassportError(error)) return refusalResponse(error);
    throw error;
  }
  throw new Error('core accepted a passport the test expects it to refuse');
}

describe.each(PLATFORMS)('refusals on %s', (platform) => {
  const apps = appTracker();
  const test = createTestRelay({ mode: 'HS256' });
  const { relay } = test;
  const cases = forgedPassports(test).map((forged) => ({
    ...forged,
    passport: passportOf(forged),
  }));
  let running: RunningApp;
  let runs: HandlerRuns;

  beforeAll(async () => {
    const app = probeApp({ relay, required: true });
    runs = app.runs;
    running = await apps.start(platform, app.module);
  });
  afterAll(() => apps.closeAll());

  it.each(cases)(
    '$name: refuses $code with $status, core’s problem body, and the handler never runs',
    async ({ code, status, passport }) => {
      const before = runs.count;
      const expected = expectedRefusal(relay, passport);

      const reply = await send(`${running.origin}/probe`, { headers: { passport } });

      expect(reply.status).toBe(status);
      expect(reply.headers['content-type']).toBe('application/problem+json');
      expect(reply.headers['www-authenticate']).toBe(
        status === 401 ? `Passport error="${code}"` : undefined,
      );
      expect(reply.json()).toMatchObject({ code, status });
      expect(reply.text).toBe(expected.body);
      for (const value of [passport ?? []].flat()) {
        expect(reply.text).not.toContain(value.slice(-20));
      }
      expect(runs.count).toBe(before);
    },
  );

  it('keeps serving after every kind of refusal', async () => {
    for (const { passport } of cases) {
      await send(`${running.origin}/probe`, { headers: { passport } });
    }

    const reply = await send(`${running.origin}/probe`, {
      headers: { passport: relay.issue({ sub: 'user-9' }) },
    });

    expect(reply.status).toBe(200);
    expect(reply.json()).toMatchObject({ controller: 'user-9', decorator: 'user-9' });
  });

  it('refuses a POST that carries a JSON body before its handler runs', async () => {
    const before = runs.count;

    const reply = await send(`${running.origin}/probe`, {
      method: 'POST',
      headers: { passport: 'not-a-jws' },
      body: { id: 1 },
    });

    expect(reply.status).toBe(401);
    expect(reply.json()).toMatchObject({ code: 'ERR_PASSPORT_MALFORMED' });
    expect(runs.count).toBe(before);
  });

  it('answers a codec that cannot reach its keys with 503 and core’s problem body', async () => {
    const unreachable = createRelay({
      codec: {
        mode: 'signed',
        canEncode: false,
        decode: () => {
          throw new PassportError('ERR_PASSPORT_UNAVAILABLE', 'The key set could not be fetched.');
        },
        encode: () => {
          throw new PassportError('ERR_PASSPORT_CANNOT_ISSUE', 'This codec does not issue.');
        },
      },
    });
    const app = probeApp({ relay: unreachable });
    const { origin } = await apps.start(platform, app.module);

    const reply = await send(`${origin}/probe`, { headers: { passport: 'a.b.c' } });

    expect(reply.status).toBe(503);
    expect(reply.headers['content-type']).toBe('application/problem+json');
    expect(reply.json()).toMatchObject({ code: 'ERR_PASSPORT_UNAVAILABLE', status: 503 });
    expect(app.runs.count).toBe(0);
  });
});
