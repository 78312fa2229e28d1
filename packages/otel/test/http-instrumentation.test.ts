import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { refusalResponse } from '@passport-relay/core';
import { createTestRelay } from '@passport-relay/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { otelContextStore, passportRefusal } from '../src/index.js';
import { startTestSdk, type TestSdk } from './support/otel-sdk.js';
import { json, listen, type TestServer } from './support/servers.js';

// OTel's http instrumentation extracts inbound requests; nothing of passport-relay's inbound
// adapters runs here: a plain node:http handler gets the passport from the propagator alone.

const { relay } = createTestRelay({ store: otelContextStore() });
let sdk: TestSdk;
let server: TestServer;

interface Seen {
  readonly sub: string | undefined;
  readonly traceId: string | undefined;
  readonly tenant: string | undefined;
}

beforeAll(async () => {
  sdk = startTestSdk(relay, { baggage: { tenant: 'tenant.id' }, spanAttributes: true });
  server = await listen((_req, res) => {
    const refused = passportRefusal();
    if (refused) {
      const { status, headers, body } = refusalResponse(refused);
      res.writeHead(status, headers).end(body);
      return;
    }
    const seen: Seen = {
      sub: relay.current()?.sub,
      traceId: trace.getActiveSpan()?.spanContext().traceId,
      tenant: propagation.getBaggage(context.active())?.getEntry('tenant.id')?.value,
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(seen));
  });
});
afterEach(() => sdk.exporter.reset());
afterAll(async () => {
  await server.close();
  await sdk.shutdown();
});

const tracer = () => trace.getTracer('test');

describe('PassportPropagator under OTel’s http instrumentation', () => {
  it('fills relay.current() in a plain node:http handler', async () => {
    const response = await fetch(server.origin, {
      headers: { passport: relay.issue({ sub: 'user-1' }) },
    });
    expect(await json<Seen>(response)).toMatchObject({ sub: 'user-1' });
  });

  it('shares one context between the passport and the trace continued from the caller', async () => {
    const passport = relay.issue({ sub: 'user-1' });
    const [traceId, seen] = await tracer().startActiveSpan('edge', async (span) => {
      const response = await fetch(server.origin, { headers: { passport } });
      span.end();
      return [span.spanContext().traceId, await json<Seen>(response)];
    });
    expect(seen).toEqual({ sub: 'user-1', traceId });
  });

  it('writes the opted-in passport field into baggage for the handler', async () => {
    const response = await fetch(server.origin, {
      headers: {
        passport: relay.issue({ sub: 'user-1', tenant: 't1' }),
        baggage: 'tenant.id=evil',
      },
    });
    expect((await json<Seen>(response)).tenant).toBe('t1');
  });

  it('sets enduser.id and user.roles on the server span', async () => {
    await fetch(server.origin, {
      headers: { passport: relay.issue({ sub: 'user-1', roles: ['admin'] }) },
    });
    await vi.waitFor(() => {
      const serverSpan = sdk.exporter.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER);
      expect(serverSpan?.attributes).toMatchObject({
        'enduser.id': 'user-1',
        'user.roles': ['admin'],
      });
    });
  });

  it('lets the handler refuse a forged passport with core’s refusal response', async () => {
    const forged = createTestRelay().relay.issue({ sub: 'admin' });
    const response = await fetch(server.origin, { headers: { passport: forged } });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'ERR_PASSPORT_SIGNATURE' });
  });
});
