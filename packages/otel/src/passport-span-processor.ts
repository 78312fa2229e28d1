import { type Attributes, type Context, type Span, SpanKind } from '@opentelemetry/api';
import { SPAN_ATTRIBUTES_KEY } from './internal/context-keys.js';

/** The part of the OTel SDK's span a processor needs; structurally the SDK's `Span`. */
interface StartedSpan extends Span {
  readonly kind?: SpanKind;
}

/**
 * An OTel SDK span processor that sets the passport attributes chosen with
 * `PassportPropagator`'s `spanAttributes` option on the server (and message consumer) span.
 * Instrumentations start that span after extraction, from the extracted context, so a propagator
 * cannot reach it; this processor reads the attributes from that context in `onStart`. It does
 * nothing when `spanAttributes` is off. Register it before your exporting processor.
 *
 * @example
 * ```ts
 * new NodeSDK({
 *   textMapPropagator,
 *   spanProcessors: [new PassportSpanProcessor(), new BatchSpanProcessor(exporter)],
 * });
 * ```
 */
export class PassportSpanProcessor {
  /** Set the extracted passport attributes on a server or consumer span. */
  onStart(span: StartedSpan, parentContext: Context): void {
    if (span.kind !== SpanKind.SERVER && span.kind !== SpanKind.CONSUMER) return;
    const attributes = parentContext.getValue(SPAN_ATTRIBUTES_KEY) as Attributes | undefined;
    if (attributes !== undefined) span.setAttributes(attributes);
  }

  /** Nothing to do when a span ends. */
  onEnd(): void {}

  /** Nothing is buffered. */
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  /** Nothing to release. */
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
