import {
  type Context,
  context,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';
import {
  type HeaderCarrier,
  isPassportError,
  type PassportFields,
  type Relay,
  type RelayContext,
} from '@passport-relay/core';
import { admit, assertRelay, checkOptions, optionError } from '@passport-relay/core/adapter';
import { BAGGAGE_KEY, BAGGAGE_LIMITS, writeBaggage } from './internal/baggage.js';
import { REFUSAL_KEY, SPAN_ATTRIBUTES_KEY } from './internal/context-keys.js';
import { type FieldMapping, resolveFieldMapping } from './internal/field-mapping.js';
import { misconfigured, noContextManager } from './internal/misconfiguration.js';
import { spanAttributesOf } from './internal/span-attributes.js';
import { DEFAULT_SPAN_ATTRIBUTES } from './span-attribute-defaults.js';

/**
 * Options of {@link PassportPropagator}. Only `relay` is required; baggage and span attributes are
 * off unless you opt in.
 *
 * @example
 * ```ts
 * const options: PassportPropagatorOptions = {
 *   relay,
 *   baggage: { tenant: 'tenant.id' },
 *   spanAttributes: true,
 * };
 * new PassportPropagator(options);
 * ```
 */
export interface PassportPropagatorOptions<T extends object = PassportFields> {
  /**
   * The relay that verifies inbound passports. Create it with `store: otelContextStore()`, so the
   * context this propagator extracts is the one `relay.current()` reads.
   */
  readonly relay: Relay<T>;
  /**
   * Passport fields to copy into W3C baggage on extract, as `{ passportField: 'baggage.key' }`.
   * Baggage is unsigned and OTel's `W3CBaggagePropagator` sends it to every destination, third
   * parties included, so copy only what may travel everywhere (a tenant id, never the passport).
   * Inbound baggage entries under these keys are always removed, so a client cannot forge them.
   * Entries that would break the W3C limits (180 entries, 4096 bytes each, 8192 bytes in all) are
   * left out.
   * @default undefined (no baggage)
   */
  readonly baggage?: Readonly<Record<string, string>>;
  /**
   * Passport fields to set as attributes on the server span, via {@link PassportSpanProcessor}:
   * `true` for {@link DEFAULT_SPAN_ATTRIBUTES} (`sub` → `enduser.id`, `roles` → `user.roles`), or
   * your own `{ passportField: 'attribute.name' }`. These are personal data: turn on only what your
   * tracing backend may hold.
   * @default false
   */
  readonly spanAttributes?: boolean | Readonly<Record<string, string>>;
}

const WHERE = 'PassportPropagator';

/** Headers OTel's W3C propagators own; forwarding them too would send a trace header twice. */
const OTEL_OWNED_HEADERS = ['traceparent', 'tracestate', 'baggage'];

const ATTRIBUTE_NAME = /^[^\s]+$/;

/** OTel's default attribute count limit per span. */
const MAX_SPAN_ATTRIBUTES = 128;

/** What a refused request runs as: nobody, with nothing to forward. */
const REFUSED: RelayContext = Object.freeze({
  passport: undefined,
  token: undefined,
  forwarded: Object.freeze([]),
  headers: Object.freeze([]),
});

const activeContext = (): Context => context.active();

/**
 * An OpenTelemetry `TextMapPropagator` that reads the passport: compose it with OTel's W3C
 * propagators, and OTel's own inbound extraction (the http instrumentation's server side, message
 * consumers) verifies the passport with `relay.extract()` and puts it in the extracted context, so
 * `relay.current()` works in a plain `node:http` handler.
 *
 * It **only extracts**. OTel's propagators are not told where a request goes, and the passport may
 * only go to allowed destinations, so `inject()` writes nothing: passport-relay's own outbound hooks
 * (`@passport-relay/undici`, `/http`, `/axios`), which know the destination, send it. There is no
 * option to inject everywhere, by design.
 *
 * A refused passport (bad signature, expired, two headers, ...) never throws into OTel: the request
 * runs with no passport and {@link passportRefusal} returns the `PassportError`, for the handler (or
 * an inbound adapter, which refuses on its own) to answer with `refusalResponse(error)`.
 *
 * List it after `W3CBaggagePropagator`: that one replaces the context's baggage on extract.
 *
 * @example
 * ```ts
 * import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
 * import { PassportPropagator } from '@passport-relay/otel';
 *
 * const textMapPropagator = new CompositePropagator({
 *   propagators: [
 *     new W3CTraceContextPropagator(),
 *     new W3CBaggagePropagator(),
 *     new PassportPropagator({ relay, baggage: { tenant: 'tenant.id' } }),
 *   ],
 * });
 * ```
 */
export class PassportPropagator<T extends object = PassportFields> implements TextMapPropagator {
  readonly #relay: Relay<T>;
  readonly #fields: readonly string[];
  readonly #baggage: FieldMapping | undefined;
  readonly #spanAttributes: FieldMapping | undefined;

  constructor(options: PassportPropagatorOptions<T>) {
    checkOptions(WHERE, options, {
      known: ['relay', 'baggage', 'spanAttributes'],
      example:
        'new PassportPropagator({ relay: createRelay({ codec, store: otelContextStore() }) })',
      required: true,
    });
    const { relay, baggage, spanAttributes = false } = options;
    assertRelay(relay, WHERE, 'relay');
    const owned = relay.forwardHeaders.filter((name) => OTEL_OWNED_HEADERS.includes(name));
    if (owned.length > 0) {
      throw optionError(
        WHERE,
        `the relay forwards ${owned.join(', ')}, which OpenTelemetry propagates itself; forwarding them as well sends them twice and breaks the span tree. Remove them from the relay's forwardHeaders (TRACING_HEADERS is for services without an OTel SDK).`,
      );
    }
    this.#relay = relay;
    this.#fields = Object.freeze([relay.header, ...relay.forwardHeaders]);
    this.#baggage =
      baggage === undefined
        ? undefined
        : resolveFieldMapping(
            baggage,
            '"baggage"',
            BAGGAGE_KEY,
            'baggage key',
            BAGGAGE_LIMITS.maxEntries,
          );
    if (spanAttributes === true) {
      this.#spanAttributes = Object.freeze(Object.entries(DEFAULT_SPAN_ATTRIBUTES));
    } else if (spanAttributes === false) {
      this.#spanAttributes = undefined;
    } else {
      this.#spanAttributes = resolveFieldMapping(
        spanAttributes,
        '"spanAttributes"',
        ATTRIBUTE_NAME,
        'span attribute name',
        MAX_SPAN_ATTRIBUTES,
      );
    }
  }

  /**
   * Writes nothing: OTel does not say where the carrier goes, and the passport goes only to allowed
   * destinations. passport-relay's outbound hooks send it.
   */
  inject(_context: Context, _carrier: unknown, _setter: TextMapSetter): void {}

  /**
   * Verify the carrier's passport with `relay.extract()` and return `ctx` with the relay context in
   * it (plus the opted-in baggage entries and span attributes). A refused passport yields a context
   * with no passport and the refusal, readable with {@link passportRefusal}.
   */
  extract(ctx: Context, carrier: unknown, getter: TextMapGetter): Context {
    const headers: Record<string, string | string[]> = Object.create(null);
    for (const name of this.#fields) {
      const value = getter.get(carrier, name);
      if (value !== undefined) headers[name] = value;
    }
    const outcome = admit(this.#relay as Relay<object>, headers as HeaderCarrier, false);
    const refusal = isPassportError(outcome) ? outcome : undefined;
    const relayContext = refusal === undefined ? (outcome as RelayContext) : REFUSED;
    let next = this.#enter(ctx, relayContext);
    if (refusal !== undefined) next = next.setValue(REFUSAL_KEY, refusal);
    else if (next.getValue(REFUSAL_KEY) !== undefined) next = next.deleteValue(REFUSAL_KEY);
    const passport = relayContext.passport;
    if (this.#baggage !== undefined) next = writeBaggage(next, passport, this.#baggage);
    if (this.#spanAttributes !== undefined || next.getValue(SPAN_ATTRIBUTES_KEY) !== undefined) {
      const attributes =
        passport === undefined || this.#spanAttributes === undefined
          ? undefined
          : spanAttributesOf(passport, this.#spanAttributes);
      next =
        attributes === undefined
          ? next.deleteValue(SPAN_ATTRIBUTES_KEY)
          : next.setValue(SPAN_ATTRIBUTES_KEY, attributes);
    }
    return next;
  }

  /** The headers this propagator reads: the passport header and the relay's forwarded headers. */
  fields(): string[] {
    return [...this.#fields];
  }

  /**
   * `ctx` with `relayContext` in it, put there by the relay's own store, so whatever key the store
   * uses is the one `relay.current()` reads.
   */
  #enter(ctx: Context, relayContext: RelayContext): Context {
    const next = context.with(ctx, () => {
      if (context.active() !== ctx) throw noContextManager('PassportPropagator');
      return this.#relay.runWith(relayContext as RelayContext<T>, activeContext);
    });
    if (next === ctx) {
      throw misconfigured(
        'PASSPORT_RELAY_OTEL_STORE',
        'PassportPropagator: the relay does not keep its context in OpenTelemetry, so an extracted passport would never reach relay.current(). Create the relay with createRelay({ codec, store: otelContextStore() }).',
      );
    }
    return next;
  }
}
