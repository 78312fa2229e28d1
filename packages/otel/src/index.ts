export { otelContextStore } from './otel-context-store.js';
export { PassportPropagator, type PassportPropagatorOptions } from './passport-propagator.js';
export { passportRefusal } from './passport-refusal.js';
export { PassportSpanProcessor } from './passport-span-processor.js';
export { DEFAULT_SPAN_ATTRIBUTES } from './span-attribute-defaults.js';
export { TXN_TOKEN_SPAN_ATTRIBUTES } from './txn-token-span-attributes.js';
