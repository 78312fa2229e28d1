import { isPassportError, type PassportFields, type RelayContext } from '@passport-relay/core';
import { checkOptions, runNodeRequest, writeRefusal } from '@passport-relay/core/adapter';
import type { FastifyPluginCallback, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Gateway } from './gateway.js';
import { admit, checkAdapterOptions } from './internal/node-request.js';
import {
  JWKS_PATH,
  type JwksResponseOptions,
  jwksResponse,
  type PublishedKeys,
} from './jwks-endpoint.js';

/**
 * Options of {@link gatewayPlugin}.
 *
 * @example
 * ```ts
 * await app.register(gatewayPlugin, {
 *   gateway,
 *   required: (request) => request.routeOptions.config.public !== true,
 * });
 * ```
 */
export interface GatewayPluginOptions<T extends object = PassportFields> {
  /** The gateway from `createGateway(...)`. Required. */
  readonly gateway: Gateway<T, FastifyRequest>;
  /**
   * Whether a request needs a Bearer token: `false` (or a function returning `false` for the
   * request, e.g. from `request.routeOptions.config`) lets requests without one through
   * anonymously. A token that is sent is always verified, and a bad one refused.
   * @default true
   */
  readonly required?: boolean | ((request: FastifyRequest) => boolean);
}

const plugin: FastifyPluginCallback<GatewayPluginOptions<object>> = (fastify, options, done) => {
  checkOptions('gatewayPlugin', options, {
    known: ['gateway', 'required'],
    example: 'app.register(gatewayPlugin, { gateway })',
    required: true,
  });
  const { gateway } = options;
  const required = checkAdapterOptions<FastifyRequest>(gateway, options.required, 'gatewayPlugin');
  const stripped = new Set(gateway.stripHeaders);
  const { relay } = gateway;

  const contexts = new WeakMap<object, RelayContext<object>>();
  fastify.addHook('onRequest', (request, reply, hookDone) => {
    admit(gateway, stripped, request.raw, request, required).then(
      (result) => {
        contexts.set(request, result.context);
        // Node's request and response emit in the context too: body listeners see the passport.
        runNodeRequest(relay, result.context, request.raw, reply.raw, () => hookDone());
      },
      (error: unknown) => {
        if (!isPassportError(error)) return hookDone(error as Error);
        writeRefusal(reply, gateway.refusal(error));
      },
    );
  });

  // Between onRequest and preValidation a hook may resume the request from another async scope
  // (a queue or limiter released by another request): enter the context again, as
  // @passport-relay/fastify does, so the handler never runs as someone else.
  fastify.addHook('preValidation', (request, _reply, hookDone) => {
    const context = contexts.get(request);
    if (context === undefined) hookDone();
    else relay.runWith(context, () => hookDone());
  });

  done();
};

/**
 * Fastify (5) plugin for the edge. Register it before other plugins that add `onRequest` hooks:
 * its hook removes client-supplied passports and `stripHeaders` from the request, verifies the
 * Bearer token, sets the minted passport on `request.headers` (so `@fastify/http-proxy` or
 * `reply.from()` sends it on), and runs the rest of the request, handler included, inside the
 * relay's context, so `relay.current()` and the outbound hooks see it. Refusals are answered with
 * 401, a `WWW-Authenticate: Bearer` challenge and a problem body; other errors (a JWKS that cannot
 * be fetched is a 503 `ERR_PASSPORT_UNAVAILABLE` refusal) go to Fastify's error handler.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import { gatewayPlugin } from '@passport-relay/gateway/fastify';
 *
 * const app = Fastify();
 * await app.register(gatewayPlugin, { gateway });
 * app.get('/me', async () => relay.current());
 * ```
 */
export const gatewayPlugin: FastifyPluginCallback<GatewayPluginOptions<object>> = fp(
  // fastify-plugin's types may resolve another copy of fastify's than the app's; the shape is the same.
  plugin as unknown as Parameters<typeof fp>[0],
  { fastify: '5.x', name: '@passport-relay/gateway' },
) as unknown as FastifyPluginCallback<GatewayPluginOptions<object>>;

/**
 * Options of {@link jwksPlugin}.
 *
 * @example
 * ```ts
 * await app.register(jwksPlugin, { keys: ring, path: '/keys' });
 * ```
 */
export interface JwksPluginOptions extends JwksResponseOptions {
  /** The key ring (or anything with `jwks()`). Required. */
  readonly keys: PublishedKeys;
  /**
   * Where the JWKS is served.
   * @default "/.well-known/jwks.json"
   */
  readonly path?: string;
}

const jwksRoute: FastifyPluginCallback<JwksPluginOptions> = (fastify, options, done) => {
  const { keys, path = JWKS_PATH, ...responseOptions } = options;
  jwksResponse(keys, responseOptions); // checks the options and the key source at registration
  fastify.get(path, (_request, reply) => {
    const { status, headers, body } = jwksResponse(keys, responseOptions);
    reply.code(status).headers(headers).send(Buffer.from(body));
  });
  done();
};

/**
 * Fastify (5) plugin that publishes the edge's passport verification keys (a key ring's JWKS) at
 * `path`. The JWKS is public: {@link gatewayPlugin} lets it through when the route is marked
 * public with its `required` option, or register this plugin in a context without the gateway.
 *
 * @example
 * ```ts
 * import { jwksPlugin } from '@passport-relay/gateway/fastify';
 *
 * await app.register(jwksPlugin, { keys: ring });
 * ```
 */
export const jwksPlugin: FastifyPluginCallback<JwksPluginOptions> = fp(
  jwksRoute as unknown as Parameters<typeof fp>[0],
  { fastify: '5.x', name: '@passport-relay/gateway-jwks' },
) as unknown as FastifyPluginCallback<JwksPluginOptions>;
