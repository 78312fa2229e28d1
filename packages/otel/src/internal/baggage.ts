import {
  type Baggage,
  type BaggageEntry,
  type Context,
  diag,
  propagation,
} from '@opentelemetry/api';
import type { Passport } from '@passport-relay/core';
import type { FieldMapping } from './field-mapping.js';

/**
 * W3C Baggage limits, the same numbers OpenTelemetry's `W3CBaggagePropagator` enforces on inject
 * (`@opentelemetry/core` `baggage/constants.ts`): entries over a limit are dropped silently there,
 * so the propagator checks them here, where it can say which passport field did not fit.
 */
export const BAGGAGE_LIMITS = Object.freeze({
  /** Name-value pairs in one `baggage` header. */
  maxEntries: 180,
  /** Bytes of one serialised `key=value[;metadata]` pair. */
  maxEntryBytes: 4096,
  /** Bytes of the whole header value, separators included. */
  maxTotalBytes: 8192,
});

/** W3C baggage keys are RFC 7230 tokens. */
export const BAGGAGE_KEY = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** The length OTel's propagator gives an entry on the wire (percent-encoded, so bytes = chars). */
function entryBytes(key: string, entry: BaggageEntry): number {
  let bytes = encodeURIComponent(key).length + 1 + encodeURIComponent(entry.value).length;
  if (entry.metadata !== undefined) bytes += 1 + entry.metadata.toString().length;
  return bytes;
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** A passport field as a baggage value: scalars as text, arrays of scalars comma-joined. */
function baggageValue(value: unknown): string | undefined {
  if (isScalar(value)) return String(value);
  if (Array.isArray(value) && value.length > 0 && value.every(isScalar)) return value.join(',');
  return undefined;
}

/**
 * Write the mapped passport fields into the context's baggage. Inbound entries under the mapped
 * keys are removed first, verified or not: a client cannot plant `tenant.id` in baggage and have
 * it pass for the passport's. Inbound entries are never dropped to make room; a passport entry
 * that would break a W3C limit is left out (with a `diag.warn`).
 */
export function writeBaggage(
  ctx: Context,
  passport: Passport | undefined,
  mapping: FieldMapping,
): Context {
  const inbound = propagation.getBaggage(ctx);
  let baggage: Baggage | undefined = inbound;
  if (baggage !== undefined) {
    for (const [, key] of mapping) {
      if (baggage.getEntry(key) !== undefined) baggage = baggage.removeEntry(key);
    }
  }
  if (passport !== undefined) {
    let count = 0;
    let total = 0;
    for (const [key, entry] of baggage?.getAllEntries() ?? []) {
      const bytes = entryBytes(key, entry);
      if (bytes > BAGGAGE_LIMITS.maxEntryBytes) continue;
      count++;
      total += (total === 0 ? 0 : 1) + bytes;
    }
    for (const [field, key] of mapping) {
      const value = baggageValue((passport as Record<string, unknown>)[field]);
      if (value === undefined) continue;
      const entry: BaggageEntry = { value };
      const bytes = entryBytes(key, entry);
      const after = total + (total === 0 ? 0 : 1) + bytes;
      if (
        bytes > BAGGAGE_LIMITS.maxEntryBytes ||
        count + 1 > BAGGAGE_LIMITS.maxEntries ||
        after > BAGGAGE_LIMITS.maxTotalBytes
      ) {
        diag.warn(
          `PassportPropagator: passport field "${field}" left out of baggage entry "${key}": it would exceed the W3C baggage limits (${BAGGAGE_LIMITS.maxEntries} entries, ${BAGGAGE_LIMITS.maxEntryBytes} bytes per entry, ${BAGGAGE_LIMITS.maxTotalBytes} bytes in all).`,
        );
        continue;
      }
      baggage = (baggage ?? propagation.createBaggage()).setEntry(key, entry);
      count++;
      total = after;
    }
  }
  if (baggage === inbound) return ctx;
  return baggage === undefined ? ctx : propagation.setBaggage(ctx, baggage);
}
