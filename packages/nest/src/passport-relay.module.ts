import {
  type DynamicModule,
  Global,
  Inject,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  type Provider,
} from '@nestjs/common';
import { APP_FILTER, HttpAdapterHost } from '@nestjs/core';
import { PassportError, type PassportFields, type Relay } from '@passport-relay/core';
import { resolveOptions } from './internal/resolve-options.js';
import type {
  PassportRelayModuleAsyncOptions,
  PassportRelayModuleOptions,
  ResolvedPassportRelayOptions,
} from './options.js';
import { PassportService } from './passport.service.js';
import { PassportRefusalFilter } from './passport-refusal.filter.js';
import { PassportRelayMiddleware } from './passport-relay.middleware.js';
import { PASSPORT_RELAY, PASSPORT_RELAY_OPTIONS } from './tokens.js';

/**
 * Every route, as Nest middleware paths spell it: Express mounts `/` with `app.use()`, which
 * covers every path; on Fastify (`@fastify/middie`, path-to-regexp 8) `/` matches only `/`.
 */
const EVERY_ROUTE_EXPRESS = '/';
const EVERY_ROUTE_FASTIFY = '{*path}';

const COMMON_PROVIDERS: Provider[] = [
  {
    provide: PASSPORT_RELAY,
    inject: [PASSPORT_RELAY_OPTIONS],
    useFactory: (options: ResolvedPassportRelayOptions) => options.relay,
  },
  {
    provide: PassportService,
    inject: [PASSPORT_RELAY],
    useFactory: (relay: Relay) => new PassportService(relay),
  },
  { provide: APP_FILTER, useClass: PassportRefusalFilter },
];

const EXPORTS = [PASSPORT_RELAY, PASSPORT_RELAY_OPTIONS, PassportService];

function badOption(message: string): PassportError {
  return new PassportError('ERR_PASSPORT_OPTIONS', message);
}

/**
 * The Nest module: verifies every request's passport (refusals answered with core's problem
 * body), runs the request in the relay's context so `relay.current()` and the outbound hooks see
 * the caller, puts the passport in the request's nestjs-cls store, and provides
 * {@link PassportService}. Global: import it once, in the root module.
 *
 * Built on nestjs-cls: when your app imports `ClsModule.forRoot(...)`, the passport goes into the
 * CLS context it opens for each request; without one, the module opens that context itself, in
 * the same single nestjs-cls store. Works on `@nestjs/platform-express` and
 * `@nestjs/platform-fastify`.
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [PassportRelayModule.forRoot({ relay })],
 *   controllers: [OrdersController],
 * })
 * export class AppModule {}
 * ```
 */
@Global()
@Module({})
export class PassportRelayModule implements NestModule {
  readonly #options: ResolvedPassportRelayOptions;
  readonly #adapterHost: HttpAdapterHost;

  constructor(
    @Inject(PASSPORT_RELAY_OPTIONS) options: ResolvedPassportRelayOptions,
    @Inject(HttpAdapterHost) adapterHost: HttpAdapterHost,
  ) {
    this.#options = options;
    this.#adapterHost = adapterHost;
  }

  /** Mounts {@link PassportRelayMiddleware} on every route unless `mount` is `false`. */
  configure(consumer: MiddlewareConsumer): void {
    const { mount, exclude } = this.#options;
    if (!mount) return;
    const path =
      this.#adapterHost.httpAdapter?.getType() === 'fastify'
        ? EVERY_ROUTE_FASTIFY
        : EVERY_ROUTE_EXPRESS;
    const middleware = consumer.apply(PassportRelayMiddleware);
    // A path string, not { path, method: RequestMethod.ALL }: Express mounts a string with
    // `app.use()` (every method, every sub-path) but `{ path: '/', method: ALL }` as one route.
    (exclude.length > 0 ? middleware.exclude(...exclude) : middleware).forRoutes(path);
  }

  /**
   * Configure the module with options known up front. Throws `ERR_PASSPORT_OPTIONS` at once for a
   * bad option.
   *
   * @example
   * ```ts
   * PassportRelayModule.forRoot({ relay, required: true, exclude: ['health'] });
   * ```
   */
  static forRoot<T extends object = PassportFields>(
    options: PassportRelayModuleOptions<T>,
  ): DynamicModule {
    const resolved = resolveOptions(options, 'PassportRelayModule.forRoot');
    return {
      module: PassportRelayModule,
      global: true,
      providers: [{ provide: PASSPORT_RELAY_OPTIONS, useValue: resolved }, ...COMMON_PROVIDERS],
      exports: EXPORTS,
    };
  }

  /**
   * Configure the module from providers (a config service, a key store): `useFactory` runs once
   * while the application starts, and the options it returns are checked then.
   *
   * @example
   * ```ts
   * PassportRelayModule.forRootAsync({
   *   imports: [ConfigModule],
   *   inject: [ConfigService],
   *   useFactory: (config: ConfigService) => ({
   *     relay: createRelay({ codec: signedCodec({ keys: config.get('PASSPORT_JWKS') }) }),
   *   }),
   * });
   * ```
   */
  static forRootAsync<T extends object = PassportFields>(
    options: PassportRelayModuleAsyncOptions<T>,
  ): DynamicModule {
    const where = 'PassportRelayModule.forRootAsync';
    if (typeof options?.useFactory !== 'function') {
      throw badOption(
        `${where} needs "useFactory", a function that returns the options: forRootAsync({ inject: [ConfigService], useFactory: (config) => ({ relay }) }).`,
      );
    }
    if (options.inject !== undefined && !Array.isArray(options.inject)) {
      throw badOption(`${where}: "inject" must be a list of providers to pass to useFactory.`);
    }
    if (options.imports !== undefined && !Array.isArray(options.imports)) {
      throw badOption(`${where}: "imports" must be a list of modules.`);
    }
    const { useFactory } = options;
    return {
      module: PassportRelayModule,
      global: true,
      imports: options.imports ?? [],
      providers: [
        {
          provide: PASSPORT_RELAY_OPTIONS,
          inject: options.inject ?? [],
          useFactory: async (...args: unknown[]) =>
            resolveOptions(await useFactory(...args), `${where} (the options useFactory returned)`),
        },
        ...COMMON_PROVIDERS,
      ],
      exports: EXPORTS,
    };
  }
}
