import { isPassportError, type Passport, type RelayContext } from '@passport-relay/core';
import {
  admit,
  assertRelay,
  checkOptions,
  oneOf,
  optionError,
  requirement,
  runNodeRequest,
  writeRefusal,
} from '@passport-relay/core/adapter';
import type {
  FastifyInstance,
  FastifyPluginCallback,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
} from 'fastify';
import fp from 'fastify-plugin';
import type { FastifyPassportFields, FastifyRelayOptions, PassportHook } from './options.js';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The verified passport of this request, or `undefined` when it carries none (or before the
     * plugin's hook ran). Read-only: it always reflects what the relay verified. Typed with
     * {@link FastifyPassportFields}, which you augment with your schema's fields.
     */
    readonly passport: Passport<FastifyPassportFields> | undefined;
  }
}

const WHERE = '@passport-relay/fastify';
const kContext = Symbol('passport-relay.context');

interface WithContext {
  [kContext]: RelayContext<object> | null;
}

function contextOf(request: FastifyRequest): RelayContext<object> | null {
  return (request as unknown as WithContext)[kContext];
}

function passportRelayPlugin(
  fastify: FastifyInstance,
  options: FastifyRelayOptions,
  done: (error?: Error) => void,
): void {
  let required: (request: FastifyRequest) => boolean;
  let onRefusal: 'respond' | 'error';
  let hook: PassportHook;
  try {
    const checked = checkOptions(WHERE, options, {
      known: ['relay', 'required', 'onRefusal', 'hook'],
      example: 'app.register(passportRelay, { relay })',
      required: true,
    });
    assertRelay(checked.relay, WHERE, 'relay');
    required = requirement(WHERE, checked.required, false);
    onRefusal = oneOf(
      WHERE,
      'onRefusal',
      checked.onRefusal,
      {
        respond: 'reply with a problem+json refusal',
        error: 'hand it to the error handler',
      },
      'respond',
    );
    hook = oneOf(
      WHERE,
      'hook',
      checked.hook,
      { onRequest: '', preParsing: '', preValidation: '', preHandler: '' },
      'onRequest',
    );
    if (fastify.hasRequestDecorator('passport')) {
      throw optionError(
        WHERE,
        'request.passport is already decorated: register the plugin once, at the root (it is not encapsulated).',
      );
    }
  } catch (error) {
    done(error as Error);
    return;
  }
  const { relay } = options;
  fastify.decorateRequest(kContext, null);
  fastify.decorateRequest('passport', {
    getter(this: FastifyRequest) {
      return contextOf(this)?.passport as Passport<FastifyPassportFields> | undefined;
    },
  });

  /** The inbound decision; on refusal answers or hands over the error, and returns undefined. */
  function extract(
    request: FastifyRequest,
    reply: FastifyReply,
    next: (error?: Error) => void,
  ): RelayContext<object> | undefined {
    const outcome = admit(relay, request.headers, required(request));
    if (!isPassportError(outcome)) {
      (request as unknown as WithContext)[kContext] = outcome;
      return outcome;
    }
    if (onRefusal === 'respond') writeRefusal(reply, outcome);
    else next(outcome);
    return undefined;
  }

  if (hook === 'preParsing') {
    fastify.addHook('preParsing', (request, reply, payload, next) => {
      const context = extract(request, reply, next);
      if (context !== undefined) {
        runNodeRequest(relay, context, request.raw, reply.raw, () => next(null, payload));
      }
    });
  } else {
    fastify.addHook(hook as 'onRequest', (request, reply, next: HookHandlerDoneFunction) => {
      const context = extract(request, reply, next);
      if (context !== undefined) runNodeRequest(relay, context, request.raw, reply.raw, next);
    });
  }

  if (hook === 'onRequest' || hook === 'preParsing') {
    // Between onRequest and preValidation a hook may resume the request from another async scope
    // (a queue or limiter released by another request, a stream event): enter the context again
    // so validation, preHandler hooks and the handler never run as someone else.
    fastify.addHook('preValidation', (request, _reply, next) => {
      const context = contextOf(request);
      if (context === null) next();
      else relay.runWith(context, next);
    });
  }
  done();
}

/**
 * The Fastify plugin: verifies each request's passport with `relay.extract()` in the `onRequest`
 * hook (configurable), runs the rest of the request inside `relay.runWith()` (entered again in
 * `preValidation`), and decorates `request.passport`. `relay.current()` then returns the caller's
 * passport in hooks, handlers and the error handler, including after `await`s. A refused request
 * never reaches the handler.
 *
 * Not encapsulated (`fastify-plugin`): register it once, before your routes. Options are validated
 * at registration; a bad one fails `app.ready()` with `ERR_PASSPORT_OPTIONS`.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import { createRelay, signedCodec } from '@passport-relay/core';
 * import { passportRelay } from '@passport-relay/fastify';
 *
 * const relay = createRelay({ codec: signedCodec({ issuer: 'https://edge.example', keys }) });
 * const app = Fastify();
 * await app.register(passportRelay, { relay, required: (request) => request.url !== '/healthz' });
 * app.get('/orders', async (request) => ({ owner: request.passport?.sub ?? relay.require().sub }));
 * ```
 */
export const passportRelay: FastifyPluginCallback<FastifyRelayOptions> = fp(passportRelayPlugin, {
  fastify: '5.x',
  name: '@passport-relay/fastify',
});
