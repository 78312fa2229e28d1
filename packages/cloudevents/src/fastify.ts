import type { Relay } from '@passport-relay/core';
import type { FastifyInstance } from 'fastify';
import { type CloudEventHandler, type CloudEventSinkOptions, cloudEventSink } from './sink.js';

/**
 * Options of {@link registerCloudEventSink}.
 * @example
 * ```ts
 * const options: FastifyCloudEventSinkOptions = { path: '/events' };
 * ```
 */
export interface FastifyCloudEventSinkOptions extends CloudEventSinkOptions {
  /** @default "/" (where Knative delivers) */
  readonly path?: string;
}

/**
 * Register a Knative sink route on Fastify: `POST path` receives CloudEvents in binary or
 * structured mode (it adds a string parser for `application/cloudevents+json` in its own
 * encapsulated context), verifies the passport before `handler` runs, and answers as
 * {@link cloudEventSink} says.
 *
 * @example
 * ```ts
 * registerCloudEventSink(app, relay, async (event) => notify(event.data, relay.require().sub));
 * await app.listen({ port: 8080 });
 * ```
 */
export function registerCloudEventSink(
  fastify: FastifyInstance,
  relay: Relay,
  handler: CloudEventHandler,
  options: FastifyCloudEventSinkOptions = {},
): void {
  const { path = '/', ...sinkOptions } = options;
  const receive = cloudEventSink(relay, handler, sinkOptions);
  fastify.register((instance, _options, done) => {
    instance.addContentTypeParser(
      ['application/cloudevents+json', 'application/cloudevents-batch+json'],
      { parseAs: 'string' },
      (_request, body, parsed) => parsed(null, body),
    );
    instance.post(path, async (request, reply) => {
      const { status, headers, body } = await receive({
        headers: request.headers,
        body: request.body,
      });
      // A Buffer, so Fastify sends the content type as given (no charset appended).
      return reply.code(status).headers(headers).send(Buffer.from(body));
    });
    done();
  });
}
