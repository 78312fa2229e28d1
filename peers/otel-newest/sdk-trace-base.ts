// OpenTelemetry JS 3.x renamed @opentelemetry/sdk-trace-base to @opentelemetry/sdk-trace, its
// BasicTracerProvider to TracerProvider, and SimpleSpanProcessor now takes `{ exporter }`. The otel
// package's tests are written against 2.x; this keeps them unchanged for the newest SDK.
import {
  InMemorySpanExporter,
  SimpleSpanProcessor as SimpleSpanProcessor3,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

type SpanExporter = ConstructorParameters<typeof SimpleSpanProcessor3>[0]['exporter'];

export class SimpleSpanProcessor extends SimpleSpanProcessor3 {
  constructor(exporter: SpanExporter) {
    super({ exporter });
  }
}

export { InMemorySpanExporter, TracerProvider as BasicTracerProvider };
