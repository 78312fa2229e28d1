import { context, defaultTextMapGetter, ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { createTestRelay } from '@passport-relay/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_SPAN_ATTRIBUTES,
  otelContextStore,
  PassportPropagator,
  type PassportPropagatorOptions,
  PassportSpanProcessor,
} from '../src/index.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({
  spanProcessors: [new PassportSpanProcessor(), new SimpleSpanProcessor(exporter)],
});
const tracer = provider.getTracer('test');
const relay = createTestRelay({ store: otelContextStore() }).relay;

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});
afterEach(() => exporter.reset());
afterAll(async () => {
  await provider.shutdown();
  context.disable();
});

/** What an instrumentation does: extract, then start its span from the extracted context. */
function serve(
  headers: Record<string, string>,
  options: Omit<PassportPropagatorOptions, 'relay'>,
  kind = SpanKind.SERVER,
) {
  const propagator = new PassportPropagator({ relay, ...options });
  const ctx = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
  tracer.startSpan('GET /orders', { kind }, ctx).end();
  return exporter.getFinishedSpans()[0]?.attributes;
}

const passport = relay.issue({ sub: 'user-1', roles: ['admin', 'ops'], email: 'a@b.c' });

describe('PassportSpanProcessor', () => {
  it('sets no passport attribute when spanAttributes is off (the default)', () => {
    const attributes = serve({ passport }, {});
    expect(attributes).not.toHaveProperty('enduser.id');
    expect(attributes).not.toHaveProperty('user.roles');
  });

  it('sets enduser.id and user.roles on the server span with spanAttributes: true', () => {
    expect(serve({ passport }, { spanAttributes: true })).toMatchObject({
      'enduser.id': 'user-1',
      'user.roles': ['admin', 'ops'],
    });
    expect(DEFAULT_SPAN_ATTRIBUTES).toEqual({ sub: 'enduser.id', roles: 'user.roles' });
  });

  it('sets exactly the mapped fields with a custom mapping', () => {
    const attributes = serve({ passport }, { spanAttributes: { email: 'user.email' } });
    expect(attributes).toMatchObject({ 'user.email': 'a@b.c' });
    expect(attributes).not.toHaveProperty('enduser.id');
  });

  it('sets them on a message consumer span too', () => {
    expect(serve({ passport }, { spanAttributes: true }, SpanKind.CONSUMER)).toMatchObject({
      'enduser.id': 'user-1',
    });
  });

  it('leaves client and internal spans alone', () => {
    expect(serve({ passport }, { spanAttributes: true }, SpanKind.INTERNAL)).not.toHaveProperty(
      'enduser.id',
    );
    expect(serve({ passport }, { spanAttributes: true }, SpanKind.CLIENT)).not.toHaveProperty(
      'enduser.id',
    );
  });

  it('leaves out a field that is not attribute-shaped (objects, mixed arrays)', () => {
    const odd = relay.issue({ sub: 'user-1', org: { id: 'o1' }, mixed: ['a', 1] });
    const attributes = serve({ passport: odd }, { spanAttributes: { org: 'org', mixed: 'mixed' } });
    expect(attributes).not.toHaveProperty('org');
    expect(attributes).not.toHaveProperty('mixed');
  });

  it('sets nothing for a refused passport', () => {
    const forged = createTestRelay().relay.issue({ sub: 'admin' });
    expect(serve({ passport: forged }, { spanAttributes: true })).not.toHaveProperty('enduser.id');
  });

  it('refuses at creation a mapping to an attribute name with spaces', () => {
    expect(() => new PassportPropagator({ relay, spanAttributes: { sub: 'end user' } })).toThrow(
      expect.objectContaining({ code: 'ERR_PASSPORT_OPTIONS' }),
    );
  });
});
