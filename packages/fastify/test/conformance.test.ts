import { describeInboundAdapter } from '@passport-relay/testing/conformance';
import Fastify from 'fastify';
import { type PassportHook, passportRelay } from '../src/index.js';

for (const hook of ['onRequest', 'preParsing', 'preValidation', 'preHandler'] as PassportHook[]) {
  describeInboundAdapter(`@passport-relay/fastify (hook: ${hook})`, {
    async start({ relay, required, handler }) {
      const app = Fastify();
      await app.register(passportRelay, {
        relay,
        hook,
        required: (request) => required(request.url.split('?')[0]!),
      });
      // The suite reads the raw body itself: a parser that leaves the stream unread.
      app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
      app.all('/*', (request, reply) => {
        reply.hijack();
        handler(request.raw, reply.raw);
      });
      const origin = await app.listen({ port: 0, host: '127.0.0.1' });
      return { origin, close: () => app.close() };
    },
  });
}
