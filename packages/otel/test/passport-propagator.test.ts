import {
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  propagation,
  ROOT_CONTEXT,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { refusalResponse, TRACING_HEADERS } from '@passport-relay/core';
import { createTestRelay, SERVER_FAILURE_SUB, schemaFailingFor } from '@passport-relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otelContextStore, PassportPropagator, passportRefusal } from '../src/index.js';

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});
afterAll(() => {
  context.disable();
});

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

function otelRelay(options: { forwardHeaders?: readonly string[] } = {}) {
  return createTestRelay({ store: otelContextStore(), ...options }).relay;
}

/** What OTel's http instrumentation does with an inbound request's headers. */
function extract(propagator: PassportPropagator, headers: Record<string, unknown>) {
  return propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
}

describe('PassportPropagator.extract', () => {
  it('verifies the passport and puts it where relay.current() reads it', () => {
    const relay = otelRelay();
    const propagator = new PassportPropagator({ relay });
    const ctx = extract(propagator, { passport: relay.issue({ sub: 'user-1', tenant: 't1' }) });
    expect(context.with(ctx, () => relay.current())).toMatchObject({ sub: 'user-1', tenant: 't1' });
  });

  it('keeps the verified value, so allowed outbound calls send it on verbatim', () => {
    const relay = otelRelay();
    const value = relay.issue({ sub: 'user-1' });
    const ctx = extract(new PassportPropagator({ relay }), { passport: value });
    expect(context.with(ctx, () => relay.outboundHeaders('http://orders/'))).toEqual([
      ['passport', value],
    ]);
  });

  it('runs a request without a passport as nobody, even inside another passport’s context', () => {
    const relay = otelRelay();
    const propagator = new PassportPropagator({ relay });
    const outer = relay.run({ sub: 'outer' }, () => context.active());
    const ctx = propagator.extract(outer, {}, defaultTextMapGetter);
    expect(context.with(ctx, () => relay.current())).toBeUndefined();
  });

  it('composes with W3C trace context: one extraction gives both the remote span and the passport', () => {
    const relay = otelRelay();
    const composite = new CompositePropagator({
      propagators: [
        new W3CTraceContextPropagator(),
        new W3CBaggagePropagator(),
        new PassportPropagator({ relay }),
      ],
    });
    const ctx = composite.extract(
      ROOT_CONTEXT,
      { traceparent: TRACEPARENT, passport: relay.issue({ sub: 'user-1' }) },
      defaultTextMapGetter,
    );
    expect(trace.getSpanContext(ctx)?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(context.with(ctx, () => relay.current()?.sub)).toBe('user-1');
  });

  it('collects the relay’s forwarded headers with the passport', () => {
    const relay = otelRelay({ forwardHeaders: ['x-request-id'] });
    const ctx = extract(new PassportPropagator({ relay }), {
      passport: relay.issue({ sub: 'user-1' }),
      'x-request-id': 'req-7',
    });
    expect(context.with(ctx, () => relay.outboundHeaders('http://orders/'))).toContainEqual([
      'x-request-id',
      'req-7',
    ]);
  });
});

describe('PassportPropagator refusals', () => {
  it('records a forged passport as a refusal and runs the request with no passport', () => {
    const relay = otelRelay();
    const forged = otelRelay().issue({ sub: 'admin' });
    const ctx = extract(new PassportPropagator({ relay }), { passport: forged });
    expect(context.with(ctx, () => relay.current())).toBeUndefined();
    expect(passportRefusal(ctx)?.code).toBe('ERR_PASSPORT_SIGNATURE');
  });

  it('records two passport headers as ERR_PASSPORT_DUPLICATE', () => {
    const relay = otelRelay();
    const value = relay.issue({ sub: 'user-1' });
    const ctx = extract(new PassportPropagator({ relay }), { passport: [value, value] });
    expect(passportRefusal(ctx)?.code).toBe('ERR_PASSPORT_DUPLICATE');
  });

  it('does not let an outer passport stand in for a refused one', () => {
    const relay = otelRelay();
    const outer = relay.run({ sub: 'outer' }, () => context.active());
    const ctx = new PassportPropagator({ relay }).extract(
      outer,
      { passport: 'not-a-passport' },
      defaultTextMapGetter,
    );
    expect(context.with(ctx, () => relay.current())).toBeUndefined();
    expect(context.with(ctx, () => relay.outboundHeaders('http://orders/'))).toBeUndefined();
  });

  it('clears an earlier refusal when the next extraction accepts', () => {
    const relay = otelRelay();
    const propagator = new PassportPropagator({ relay });
    const refused = extract(propagator, { passport: 'not-a-passport' });
    const accepted = propagator.extract(
      refused,
      { passport: relay.issue({ sub: 'user-1' }) },
      defaultTextMapGetter,
    );
    expect(passportRefusal(accepted)).toBeUndefined();
  });

  it('reads no refusal outside a refused request', () => {
    expect(passportRefusal()).toBeUndefined();
  });
});

describe('PassportPropagator.inject and fields', () => {
  it('injects nothing, even inside a request with a passport: outbound hooks own the allowlist', () => {
    const relay = otelRelay();
    const propagator = new PassportPropagator({ relay });
    const ctx = extract(propagator, { passport: relay.issue({ sub: 'user-1' }) });
    const carrier: Record<string, string> = {};
    propagator.inject(ctx, carrier, defaultTextMapSetter);
    context.with(ctx, () => propagation.inject(context.active(), carrier));
    expect(carrier).toEqual({});
  });

  it('names the headers it reads: the passport header and the forwarded headers', () => {
    const relay = createTestRelay({
      store: otelContextStore(),
      header: 'x-passport',
      forwardHeaders: ['x-request-id'],
    }).relay;
    expect(new PassportPropagator({ relay }).fields()).toEqual(['x-passport', 'x-request-id']);
  });
});

describe('PassportPropagator misconfiguration', () => {
  it('refuses a relay whose store is not on OpenTelemetry’s context, at the first extraction', () => {
    const { relay } = createTestRelay();
    const propagator = new PassportPropagator({ relay });
    expect(() => extract(propagator, { passport: relay.issue({ sub: 'user-1' }) })).toThrow(
      expect.objectContaining({
        code: 'ERR_PASSPORT_OPTIONS',
        message: expect.stringContaining('otelContextStore()'),
      }),
    );
  });

  it('refuses at creation a relay that forwards trace headers OTel already propagates', () => {
    const relay = otelRelay({ forwardHeaders: TRACING_HEADERS });
    expect(() => new PassportPropagator({ relay })).toThrow(
      expect.objectContaining({
        code: 'ERR_PASSPORT_OPTIONS',
        message: expect.stringContaining('traceparent, tracestate'),
      }),
    );
  });

  it('refuses at creation a missing relay', () => {
    expect(() => new PassportPropagator({} as never)).toThrow(
      expect.objectContaining({ code: 'ERR_PASSPORT_OPTIONS' }),
    );
  });

  it('refuses at creation an unknown option, naming the known ones', () => {
    expect(() => new PassportPropagator({ relay: otelRelay(), inject: true } as never)).toThrow(
      expect.objectContaining({
        message: expect.stringContaining('relay, baggage, spanAttributes'),
      }),
    );
  });
});

describe('passportRefusal() for a server-side failure', () => {
  it('renders, with core refusalResponse, a 500 without the configuration detail', () => {
    const relay = createTestRelay({ store: otelContextStore(), schema: schemaFailingFor() }).relay;
    const propagator = new PassportPropagator({ relay });
    const ctx = extract(propagator, { passport: relay.issue({ sub: SERVER_FAILURE_SUB }) });
    const refused = passportRefusal(ctx);
    expect(refused?.code).toBe('ERR_PASSPORT_OPTIONS');
    const response = refusalResponse(refused!);
    expect(response.status).toBe(500);
    expect(response.body).not.toMatch(/schema|asynchronous/i);
  });
});
