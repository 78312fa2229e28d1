import { context } from '@opentelemetry/api';
import type { ContextStore, RelayContext } from '@passport-relay/core';
import { optionError } from '@passport-relay/core/adapter';
import { storeKey } from './internal/context-keys.js';
import { noContextManager } from './internal/misconfiguration.js';

/**
 * A relay context store on OpenTelemetry's context: the passport lives in `context.active()` next to
 * the active span, so `relay.current()`, `relay.run()`, `relay.bind()`, every inbound adapter and
 * every outbound hook work unchanged, and OTel's own `context.with()`/`context.bind()` carry the
 * passport wherever they carry the trace.
 *
 * `run()` scopes the passport to a callback with `context.with()`; nothing is ever entered for the
 * rest of an async resource's life. It needs a registered OTel context manager (the Node SDK's
 * `AsyncLocalStorageContextManager`, registered by `sdk.start()`); without one it throws
 * `ERR_PASSPORT_OPTIONS` rather than silently losing the passport.
 *
 * The context key is a `Symbol.for` key derived from `name`, so an ESM and a CommonJS copy of this
 * package, or two relays created with the same name, share the passport.
 *
 * @param name Stores created with the same name share the passport. Like core's default store, name
 * it after the relay's header when one process runs relays for different headers, so they never see
 * each other's contexts.
 * @default name "passport"
 * @example
 * ```ts
 * import { createRelay, signedCodec } from '@passport-relay/core';
 * import { otelContextStore } from '@passport-relay/otel';
 *
 * export const relay = createRelay({ codec: signedCodec({ keys, issuer }), store: otelContextStore() });
 * ```
 */
export function otelContextStore(name = 'passport'): ContextStore {
  if (typeof name !== 'string' || name === '') {
    throw optionError(
      'otelContextStore',
      `the store name must be a non-empty string; received ${String(name)}.`,
    );
  }
  const key = storeKey(name);
  return Object.freeze({
    getStore(): RelayContext | undefined {
      return context.active().getValue(key) as RelayContext | undefined;
    },
    run<R>(relayContext: RelayContext, fn: () => R): R {
      const next = context.active().setValue(key, relayContext);
      return context.with(next, () => {
        // The no-op manager OTel falls back to calls fn without entering anything.
        if (context.active() !== next) throw noContextManager('otelContextStore');
        return fn();
      });
    },
  });
}
