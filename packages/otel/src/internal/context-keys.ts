import { createContextKey } from '@opentelemetry/api';

// `createContextKey` is `Symbol.for`, so an ESM and a CommonJS copy of this package share the keys.

/** The refusal `PassportPropagator` recorded for an inbound request. */
export const REFUSAL_KEY = createContextKey('passport-relay.otel.refusal.v1');

/** Span attributes `PassportPropagator` computed for the server span `PassportSpanProcessor` sets. */
export const SPAN_ATTRIBUTES_KEY = createContextKey('passport-relay.otel.span-attributes.v1');

/** The key the OTel context store keeps a relay context under, one per store name. */
export function storeKey(name: string): symbol {
  return createContextKey(`passport-relay.context.v1:${name}`);
}
