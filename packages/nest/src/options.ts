import type {
  InjectionToken,
  MiddlewareConsumer,
  ModuleMetadata,
  OptionalFactoryDependency,
} from '@nestjs/common';
import type { PassportFields, Relay } from '@passport-relay/core';

/**
 * A route as `MiddlewareConsumer.exclude()` takes it: a path, or `{ path, method }`.
 * @example
 * ```ts
 * const health: PassportRelayRoute[] = ['health', { path: 'metrics', method: RequestMethod.GET }];
 * ```
 */
export type PassportRelayRoute = Parameters<
  ReturnType<MiddlewareConsumer['apply']>['exclude']
>[number];

/**
 * Options of {@link PassportRelayModule.forRoot}. Everything but `relay` has a default; the options
 * are checked once, at start-up, and a bad one fails with a message that says how to fix it.
 * @example
 * ```ts
 * const options: PassportRelayModuleOptions = { relay, required: true, exclude: ['health'] };
 * ```
 */
export interface PassportRelayModuleOptions<T extends object = PassportFields> {
  /**
   * The relay made with `createRelay({ codec, ... })`: it verifies inbound passports and owns the
   * context that `relay.current()` and the outbound hooks read. Required.
   */
  readonly relay: Relay<T>;
  /**
   * Refuse every request that carries no passport (401 `ERR_PASSPORT_MISSING`). Leave it `false`
   * and put `@RequirePassport()` on the controllers or routes that need one instead.
   * @default false
   */
  readonly required?: boolean;
  /**
   * Mount the passport middleware on every route. With `false`, apply `PassportRelayMiddleware`
   * yourself (`consumer.apply(PassportRelayMiddleware).forRoutes(...)`); routes it does not cover
   * see no passport.
   * @default true
   */
  readonly mount?: boolean;
  /**
   * Routes the mounted middleware skips, as `MiddlewareConsumer.exclude()` takes them: health
   * checks and metrics that must answer without a passport when `required` is `true`. Excluded
   * routes see no passport, even when the request carries one.
   * @default []
   */
  readonly exclude?: readonly PassportRelayRoute[];
}

/**
 * Options of {@link PassportRelayModule.forRootAsync}: a factory that returns
 * {@link PassportRelayModuleOptions}, with the modules and providers it needs.
 * @example
 * ```ts
 * const options: PassportRelayModuleAsyncOptions = {
 *   imports: [KeysModule],
 *   inject: [KeyStore],
 *   useFactory: async (keys: KeyStore) => ({ relay: createRelay({ codec: await keys.codec() }) }),
 * };
 * ```
 */
export interface PassportRelayModuleAsyncOptions<T extends object = PassportFields>
  extends Pick<ModuleMetadata, 'imports'> {
  /**
   * Providers passed to `useFactory`, in order.
   * @default []
   */
  readonly inject?: (InjectionToken | OptionalFactoryDependency)[];
  /** Returns the options, or a promise of them; runs once, while the application starts. */
  readonly useFactory: (
    // biome-ignore lint/suspicious/noExplicitAny: the factory takes whatever `inject` lists.
    ...args: any[]
  ) => PassportRelayModuleOptions<T> | Promise<PassportRelayModuleOptions<T>>;
}

/**
 * {@link PassportRelayModuleOptions} once checked, with every default filled in; injectable as
 * `PASSPORT_RELAY_OPTIONS`.
 * @example
 * ```ts
 * constructor(@Inject(PASSPORT_RELAY_OPTIONS) options: ResolvedPassportRelayOptions) {
 *   console.log(options.required); // false unless configured
 * }
 * ```
 */
export interface ResolvedPassportRelayOptions<T extends object = PassportFields> {
  readonly relay: Relay<T>;
  readonly required: boolean;
  readonly mount: boolean;
  readonly exclude: readonly PassportRelayRoute[];
}
