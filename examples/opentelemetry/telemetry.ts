/**
 * The OpenTelemetry set-up: the one place that knows about passport-relay. OTel instruments a
 * module when it is imported, so this runs before the app's modules are loaded (in production: a
 * file loaded with `node --import ./telemetry.js app.js`; here main.ts imports the services after
 * calling it).
 */
import { register } from 'node:module';
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Relay } from '@passport-relay/core';
import { PassportPropagator } from '@passport-relay/otel';

export function startTelemetry(relay: Relay) {
  // OTel's loader hook, so that ESM imports of node:http made from now on are instrumented too.
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);

  // Spans stay in memory so the example can look at them; in production:
  // spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())].
  const exporter = new InMemorySpanExporter();
  const sdk = new NodeSDK({
    serviceName: 'passport-relay-example',
    textMapPropagator: new CompositePropagator({
      propagators: [
        new W3CTraceContextPropagator(),
        new W3CBaggagePropagator(),
        // Last (baggage's extract replaces the context's baggage). When OTel's http
        // instrumentation extracts an inbound request, this verifies the passport with the relay
        // and puts it in the extracted context, next to the remote span. It injects nothing: the
        // passport goes out only through passport-relay's outbound hooks, which check the
        // destination against `propagateTo`; an OTel propagator is never told the destination.
        new PassportPropagator({ relay }),
      ],
    }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
    // OTel's own instrumentations: server spans for node:http, client spans and `traceparent`
    // for fetch/undici.
    instrumentations: [new HttpInstrumentation(), new UndiciInstrumentation()],
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  return {
    /** Trace ids of every span recorded so far. */
    traceIds: () => new Set(exporter.getFinishedSpans().map((span) => span.spanContext().traceId)),
    shutdown: () => sdk.shutdown(),
  };
}
