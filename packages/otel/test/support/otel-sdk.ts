import { createRequire } from 'node:module';
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
import {
  PassportPropagator,
  type PassportPropagatorOptions,
  PassportSpanProcessor,
} from '../../src/index.js';

/** A running OpenTelemetry Node SDK that exports to memory. */
export interface TestSdk {
  readonly exporter: InMemorySpanExporter;
  shutdown(): Promise<void>;
}

/**
 * Start the full OpenTelemetry Node SDK as the README wires it: W3C trace context and baggage
 * propagators composed with the passport propagator, the passport span processor, and OTel's http
 * and undici instrumentations. Spans go to an in-memory exporter.
 */
export function startTestSdk(
  relay: Relay,
  options: Omit<PassportPropagatorOptions, 'relay'> = {},
): TestSdk {
  const exporter = new InMemorySpanExporter();
  const sdk = new NodeSDK({
    serviceName: 'passport-relay-otel-test',
    autoDetectResources: false,
    textMapPropagator: new CompositePropagator({
      propagators: [
        new W3CTraceContextPropagator(),
        new W3CBaggagePropagator(),
        new PassportPropagator({ relay, ...options }),
      ],
    }),
    spanProcessors: [new PassportSpanProcessor(), new SimpleSpanProcessor(exporter)],
    instrumentations: [new HttpInstrumentation(), new UndiciInstrumentation()],
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  // OTel patches node:http when it is required after start(); vitest loaded it before, through ESM.
  const require = createRequire(import.meta.url);
  require('node:http');
  require('node:https');
  return { exporter, shutdown: () => sdk.shutdown() };
}
