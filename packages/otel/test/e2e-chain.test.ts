import type { IncomingMessage } from 'node:http';
import { SpanKind, trace } from '@opentelemetry/api';
import { passportRelay as expressRelay } from '@passport-relay/express';
import { type FastifyRelayOptions, passportRelay as fastifyRelay } from '@passport-relay/fastify';
import { createTestRelay } from '@passport-relay/testing';
import express from 'express';
import Fastify, { type FastifyInstance, type FastifyPluginCallback } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { otelContextStore } from '../src/index.js';
import { get } from './support/clients.js';
import { startTestSdk, type TestSdk } from './support/otel-sdk.js';
import { installOutboundHooks } from './support/outbound-hooks.js';
import { countRaw, listen, type TestServer } from './support/servers.js';

// edge ──node:http──▶ A (plain node:http: passport from OTel's extraction)
//        A ──fetch──▶ B (Express + passport-relay's middleware)
//        B ──axios──▶ C (Fastify + passport-relay's plugin)
// All on the OTel context store. Passports travel through passport-relay's outbound hooks, the
// trace through OTel's instrumentations.

const { relay } = createTestRelay({ store: otelContextStore() });
let sdk: TestSdk;
let uninstallHooks: () => void;
const services: TestServer[] = [];
let appC: FastifyInstance | undefined;

interface Hop {
  readonly service: string;
  readonly sub: string | undefined;
  readonly tenant: unknown;
  readonly token: string | string[] | undefined;
  readonly passportHeaders: number;
  readonly traceId: string | undefined;
}

function hop(service: string, req: IncomingMessage): Hop {
  const passport = relay.current();
  return {
    service,
    sub: passport?.sub,
    tenant: passport?.tenant,
    token: req.headers.passport,
    passportHeaders: countRaw(req.rawHeaders, 'passport'),
    traceId: trace.getActiveSpan()?.spanContext().traceId,
  };
}

let origin = '';

beforeAll(async () => {
  sdk = startTestSdk(relay, { spanAttributes: true });
  uninstallHooks = installOutboundHooks(relay);

  appC = Fastify();
  // The workspace may resolve two fastify 5 minors (the plugin's and ours), whose instance types
  // differ in details; the plugin's declared type is the same one at runtime.
  await appC.register(fastifyRelay as unknown as FastifyPluginCallback<FastifyRelayOptions>, {
    relay,
    required: true,
  });
  appC.get('/', async (request) => [hop('C', request.raw)]);
  const originC = await appC.listen({ port: 0, host: '127.0.0.1' });

  const appB = express();
  appB.use(expressRelay(relay, { required: true }));
  appB.get('/', async (req, res) => {
    const here = hop('B', req);
    const downstream = await get('axios', `${originC}/`);
    res.json([here, ...JSON.parse(downstream.body)]);
  });
  const b = await listen(appB);
  const a = await listen(async (req, res) => {
    const here = hop('A', req);
    const downstream = await get('fetch', `${b.origin}/`);
    res.writeHead(downstream.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify([here, ...JSON.parse(downstream.body)]));
  });
  services.push(a, b);
  origin = a.origin;
});
afterAll(async () => {
  uninstallHooks();
  for (const service of services) await service.close();
  await appC?.close();
  await sdk.shutdown();
});

/** The edge: a root span, a passport, and a node:http call to A. */
async function callChain(): Promise<{ traceId: string; hops: Hop[] }> {
  return trace.getTracer('edge').startActiveSpan('edge', async (span) => {
    try {
      const reply = await relay.run({ sub: 'user-1', tenant: 't1' }, () =>
        get('http', `${origin}/`),
      );
      expect(reply.status).toBe(200);
      return { traceId: span.spanContext().traceId, hops: JSON.parse(reply.body) as Hop[] };
    } finally {
      span.end();
    }
  });
}

describe('a three-hop chain with the OTel SDK and passport-relay', () => {
  it('keeps one trace id at every hop', async () => {
    const { traceId, hops } = await callChain();
    expect(hops.map((h) => [h.service, h.traceId])).toEqual([
      ['A', traceId],
      ['B', traceId],
      ['C', traceId],
    ]);
  });

  it('keeps the same passport at every hop, sent once and forwarded verbatim', async () => {
    const { hops } = await callChain();
    const token = hops[0]?.token;
    expect(typeof token).toBe('string');
    expect(hops.map((h) => [h.service, h.sub, h.tenant, h.token, h.passportHeaders])).toEqual([
      ['A', 'user-1', 't1', token, 1],
      ['B', 'user-1', 't1', token, 1],
      ['C', 'user-1', 't1', token, 1],
    ]);
  });

  it('records one joined span tree, every server span carrying enduser.id', async () => {
    sdk.exporter.reset();
    const { traceId } = await callChain();
    await vi.waitFor(() => {
      const servers = sdk.exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER);
      expect(servers).toHaveLength(3);
    });
    const spans = sdk.exporter.getFinishedSpans();
    const ids = new Set(spans.map((s) => s.spanContext().spanId));
    const servers = spans.filter((s) => s.kind === SpanKind.SERVER);
    for (const server of servers) {
      expect(server.spanContext().traceId).toBe(traceId);
      expect(ids.has(server.parentSpanContext?.spanId ?? '')).toBe(true);
      expect(server.attributes['enduser.id']).toBe('user-1');
    }
  });
});
