import { Agent } from 'node:http';
import { createTestRelay } from '@passport-relay/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { send } from './support/client.js';
import { appTracker, PLATFORMS } from './support/platforms.js';
import { probeApp, type Sightings } from './support/probe-app.js';

/** What every layer reports for a request without a caller. */
const NOBODY: Sightings = {
  guard: null,
  interceptorBefore: null,
  interceptorAfter: null,
  controller: null,
  decorator: null,
  tenant: null,
  service: null,
  passportService: null,
  cls: null,
};

const apps = appTracker();
afterEach(() => apps.closeAll());

describe.each(PLATFORMS)('PassportRelayModule on %s', (platform) => {
  it('shows the caller to guards, interceptors, controllers, services, PassportService and the CLS store', async () => {
    const { relay } = createTestRelay({ mode: 'HS256' });
    const { origin } = await apps.start(platform, probeApp({ relay }).module);

    const reply = await send(`${origin}/probe`, {
      headers: { passport: relay.issue({ sub: 'user-1', tenant: 't-1' }) },
    });

    expect(reply.status).toBe(200);
    expect(reply.json<Sightings>()).toEqual({
      guard: 'user-1',
      interceptorBefore: 'user-1',
      interceptorAfter: 'user-1',
      controller: 'user-1',
      decorator: 'user-1',
      tenant: 't-1',
      service: 'user-1',
      passportService: 'user-1',
      cls: 'user-1',
    });
  });

  it('keeps the caller through a slowly streamed, parsed JSON body', async () => {
    const { relay } = createTestRelay({ mode: 'HS256' });
    const { startRecordingServer } = await import('@passport-relay/testing');
    const recorder = await startRecordingServer();
    try {
      const { origin } = await apps.start(
        platform,
        probeApp({ relay }, { outboundOrigin: recorder.origin }).module,
      );
      const reply = await send(`${origin}/probe`, {
        method: 'POST',
        headers: { passport: relay.issue({ sub: 'user-2' }) },
        body: { id: 7 },
        slowBodyMs: 30,
      });
      expect(reply.status).toBe(201);
      expect(reply.json<Sightings>()).toMatchObject({
        id: 7,
        controller: 'user-2',
        decorator: 'user-2',
        service: 'user-2',
        cls: 'user-2',
        interceptorAfter: 'user-2',
        outbound: 'user-2',
      });
    } finally {
      await recorder.close();
    }
  });

  it('shows no caller, anywhere, for a request without a passport', async () => {
    const { relay } = createTestRelay({ mode: 'HS256' });
    const { origin } = await apps.start(platform, probeApp({ relay }).module);

    const reply = await send(`${origin}/probe`);

    expect(reply.status).toBe(200);
    expect(reply.json()).toEqual(NOBODY);
  });

  it('shows no caller to the next request on the same keep-alive socket', async () => {
    const { relay } = createTestRelay({ mode: 'HS256' });
    const { origin } = await apps.start(platform, probeApp({ relay }).module);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await send(`${origin}/probe`, {
        agent,
        headers: { passport: relay.issue({ sub: 'user-1' }) },
      });
      const second = await send(`${origin}/probe`, { agent });

      expect(first.json<Sightings>().controller).toBe('user-1');
      expect(second.reusedSocket).toBe(true);
      expect(second.json()).toEqual(NOBODY);
    } finally {
      agent.destroy();
    }
  });

  it("hands a handler's error to the app's exception filter with the caller still readable", async () => {
    const { relay } = createTestRelay({ mode: 'HS256' });
    const app = probeApp({ relay });
    const { origin } = await apps.start(platform, app.module);

    const reply = await send(`${origin}/boom`, {
      headers: { passport: relay.issue({ sub: 'user-3' }) },
    });

    expect(reply.status).toBe(418);
    expect(reply.json()).toEqual({ filter: 'user-3' });
    expect(app.runs.count).toBe(1);
  });

  it('answers @RequirePassport() routes without a passport with 401 and never runs the handler', async () => {
    const { relay } = createTestRelay({ mode: 'HS256' });
    const app = probeApp({ relay });
    const { origin } = await apps.start(platform, app.module);

    const refused = await send(`${origin}/required`);
    const allowed = await send(`${origin}/required`, {
      headers: { passport: relay.issue({ sub: 'user-4' }) },
    });

    expect(refused.status).toBe(401);
    expect(refused.headers['content-type']).toBe('application/problem+json');
    expect(refused.headers['www-authenticate']).toBe('Passport error="ERR_PASSPORT_MISSING"');
    expect(refused.json()).toMatchObject({ code: 'ERR_PASSPORT_MISSING', status: 401 });
    expect(allowed.json()).toEqual({ sub: 'user-4' });
    expect(app.runs.count).toBe(1);
  });

  it('applies @RequirePassport() on a controller to every route of it', async () => {
    const { relay } = createTestRelay({ mode: 'HS256' });
    const app = probeApp({ relay });
    const { origin } = await apps.start(platform, app.module);

    const refused = await send(`${origin}/guarded`);
    const allowed = await send(`${origin}/guarded`, {
      headers: { passport: relay.issue({ sub: 'user-5' }) },
    });

    expect(refused.status).toBe(401);
    expect(allowed.json()).toEqual({ sub: 'user-5' });
    expect(app.runs.count).toBe(1);
  });

  it('answers relay.require() in a service without a caller with the 401 refusal', async () => {
    const { relay } = createTestRelay({ mode: 'HS256' });
    const { origin } = await apps.start(platform, probeApp({ relay }).module);

    const reply = await send(`${origin}/require-in-service`);

    expect(reply.status).toBe(401);
    expect(reply.headers['content-type']).toBe('application/problem+json');
    expect(reply.json()).toMatchObject({ code: 'ERR_PASSPORT_MISSING' });
  });

  it("leaves a misconfiguration PassportError (500) to Nest's default handling, detail withheld", async () => {
    const { relay } = createTestRelay({ mode: 'HS256' });
    const { origin } = await apps.start(platform, probeApp({ relay }).module);

    const reply = await send(`${origin}/misconfigured`);

    expect(reply.status).toBe(500);
    expect(reply.json()).toEqual({ statusCode: 500, message: 'Internal server error' });
  });

  it('skips the routes in "exclude" even when required is true', async () => {
    const { relay } = createTestRelay({ mode: 'HS256' });
    const { origin } = await apps.start(
      platform,
      probeApp({ relay, required: true, exclude: ['health'] }).module,
    );

    const health = await send(`${origin}/health`);
    const probe = await send(`${origin}/probe`);

    expect(health.status).toBe(200);
    expect(health.json()).toEqual({ ok: true, passport: null });
    expect(probe.status).toBe(401);
  });

  it('leaves requests alone with mount: false', async () => {
    const { relay } = createTestRelay({ mode: 'HS256' });
    const { origin } = await apps.start(platform, probeApp({ relay, mount: false }).module);

    const probe = await send(`${origin}/probe`, { headers: { passport: 'not-even-a-jws' } });
    const guarded = await send(`${origin}/required`, {
      headers: { passport: relay.issue({ sub: 'user-6' }) },
    });

    expect(probe.status).toBe(200);
    expect(probe.json()).toEqual(NOBODY);
    // The guard cannot tell "no passport" from "the middleware never ran": it says so, with a 500.
    expect(guarded.status).toBe(500);
  });
});
