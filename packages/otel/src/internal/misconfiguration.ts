import { diag } from '@opentelemetry/api';
import { PassportError } from '@passport-relay/core';

const warned = new Set<string>();

/**
 * A misconfiguration that only shows once requests flow (OTel's context manager is registered when
 * the SDK starts, after the relay and the propagator are created). OTel's `CompositePropagator`
 * turns a propagator's exception into a `diag.warn` that is silent by default, so the first
 * occurrence of each problem is also a process warning that reaches stderr.
 */
export function misconfigured(code: string, message: string): PassportError {
  if (!warned.has(code)) {
    warned.add(code);
    process.emitWarning(message, { code });
  }
  diag.error(message);
  return new PassportError('ERR_PASSPORT_OPTIONS', message);
}

export function noContextManager(where: string): PassportError {
  return misconfigured(
    'PASSPORT_RELAY_OTEL_NO_CONTEXT_MANAGER',
    `${where}: no OpenTelemetry context manager is registered, so the passport cannot be kept in OTel's context. Start the OpenTelemetry SDK (sdk.start()) before serving requests, or register one: context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()).`,
  );
}
