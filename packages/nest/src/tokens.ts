/**
 * Injection token of the relay that {@link PassportRelayModule} was given, for code that needs the
 * relay itself (outbound hooks, `relay.bind`, `relay.inject`) when it was created inside
 * `forRootAsync`.
 *
 * @example
 * ```ts
 * @Injectable()
 * export class Jobs {
 *   constructor(@Inject(PASSPORT_RELAY) private readonly relay: Relay) {}
 * }
 * ```
 */
export const PASSPORT_RELAY: unique symbol = Symbol.for('passport-relay.nest.relay');

/**
 * Injection token of the module's resolved, validated options.
 *
 * @example
 * ```ts
 * constructor(@Inject(PASSPORT_RELAY_OPTIONS) options: ResolvedPassportRelayOptions) {}
 * ```
 */
export const PASSPORT_RELAY_OPTIONS: unique symbol = Symbol.for('passport-relay.nest.options');

/**
 * The key under which the caller's passport (or `undefined`) sits in the request's nestjs-cls
 * store, for code that reads the store through `ClsService`.
 *
 * @example
 * ```ts
 * const passport = this.cls.get(PASSPORT_CLS_KEY);
 * ```
 */
export const PASSPORT_CLS_KEY: unique symbol = Symbol.for('passport-relay.nest.passport');
