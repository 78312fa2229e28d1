import type { PassportCodec } from './codec.js';
import type { ContextStore } from './context-store.js';
import { refuse } from './errors.js';
import type { Passport, PassportFields } from './passport.js';
import type { Relay } from './relay.js';

/**
 * Header pairs to put on an outbound request, in order: the passport first, then forwarded ones.
 *
 * @example
 * ```ts
 * for (const [name, value] of relay.outboundHeaders(url) ?? []) headers.set(name, value);
 * ```
 */
export type OutboundHeaders = readonly (readonly [name: string, value: string])[];

/**
 * What the relay remembers about the request being served: the verified passport (or none), the
 * exact value it arrived as (sent on verbatim so downstream caches stay warm), and the forwarded
 * headers. Created by `relay.extract()` or `relay.run()`; entered with `relay.runWith()`.
 *
 * @example
 * ```ts
 * const context: RelayContext | undefined = relay.currentContext();
 * context?.forwarded; // [['x-request-id', 'r-1']]
 * ```
 */
export interface RelayContext<T extends object = PassportFields> {
  readonly passport: Passport<T> | undefined;
  /** The passport header value as received, when the passport came from a request. */
  readonly token: string | undefined;
  /** Headers named in `forwardHeaders`, as received. */
  readonly forwarded: OutboundHeaders;
  /** Everything an allowed outbound request receives. Computed once per context. */
  readonly headers: OutboundHeaders;
}

/** The shared empty header list: a context with nothing to send allocates none. */
export const EMPTY: OutboundHeaders = Object.freeze([]);

/** The one {@link RelayContext} implementation: its outbound headers are computed once, on first use. */
export class Context<T extends object> implements RelayContext<T> {
  #headers: OutboundHeaders | undefined;
  readonly #encode: (() => string | undefined) | undefined;
  readonly #header: string;

  constructor(
    readonly passport: Passport<T> | undefined,
    readonly token: string | undefined,
    readonly forwarded: OutboundHeaders,
    header: string,
    encode?: () => string | undefined,
  ) {
    this.#header = header;
    this.#encode = encode;
  }

  get headers(): OutboundHeaders {
    if (this.#headers === undefined) {
      const token = this.token ?? this.#encode?.();
      this.#headers =
        token === undefined
          ? this.forwarded
          : Object.freeze([[this.#header, token] as const, ...this.forwarded]);
    }
    return this.#headers;
  }
}

/**
 * The relay's context operations on its store (`AsyncLocalStorage` by default): read the current
 * context, enter one (`run`, `runWith`), and carry it into callbacks (`bind`).
 */
export function contextOperations<T extends object>(
  store: ContextStore,
  header: string,
  codec: PassportCodec,
): Pick<Relay<T>, 'currentContext' | 'current' | 'require' | 'run' | 'runWith' | 'bind'> {
  function encoderFor(passport: Passport<T>): (() => string | undefined) | undefined {
    if (!codec.canEncode) return undefined;
    return () => codec.encode(passport, Math.floor(Date.now() / 1000));
  }

  return {
    currentContext() {
      return store.getStore() as RelayContext<T> | undefined;
    },

    current() {
      return store.getStore()?.passport as Passport<T> | undefined;
    },

    require() {
      const passport = store.getStore()?.passport as Passport<T> | undefined;
      if (passport === undefined) {
        throw refuse(
          'ERR_PASSPORT_MISSING',
          'This request carries no passport, and one is required.',
        );
      }
      return passport;
    },

    run(passport, fn) {
      if (
        passport !== undefined &&
        (typeof passport !== 'object' || typeof passport.sub !== 'string')
      ) {
        throw refuse(
          'ERR_PASSPORT_MALFORMED',
          'relay.run needs a passport with a "sub", or undefined.',
        );
      }
      const frozen =
        passport === undefined ? undefined : (Object.freeze({ ...passport }) as Passport<T>);
      const context = new Context<T>(
        frozen,
        undefined,
        EMPTY,
        header,
        frozen === undefined ? undefined : encoderFor(frozen),
      );
      return store.run(context as RelayContext, fn);
    },

    runWith(context, fn) {
      return store.run(context as RelayContext, fn);
    },

    bind(fn) {
      const context = store.getStore();
      if (context === undefined) return fn;
      return function bound(this: unknown, ...args: never[]) {
        // Already in the context (an emit from the handler itself): entering it again would only
        // allocate a new async context frame for nothing.
        if (store.getStore() === context) return fn.apply(this, args);
        return store.run(context, () => fn.apply(this, args));
      } as typeof fn;
    },
  };
}
