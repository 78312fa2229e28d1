// The otel README's start-up file, without the OTLP exporter (no collector in a test).
import { register } from 'node:module';
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { installHttpPropagation } from '@passport-relay/http';
import { PassportPropagator, PassportSpanProcessor } from '@passport-relay/otel';
import { installGlobalFetchPropagation } from '@passport-relay/undici';
import { relay } from './otel-relay.mjs';

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
const sdk = new NodeSDK({
  serviceName: 'orders',
  textMapPropagator: new CompositePropagator({
    propagators: [
      new W3CTraceContextPropagator(),
      new W3CBaggagePropagator(),
      new PassportPropagator({ relay, baggage: { tenant: 'tenant.id' }, spanAttributes: true }),
    ],
  }),
  spanProcessors: [new PassportSpanProcessor()],
  instrumentations: [new HttpInstrumentation(), new UndiciInstrumentation()],
});
sdk.start();
installGlobalFetchPropagation(relay);
installHttpPropagation(relay);
