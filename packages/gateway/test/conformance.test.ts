import type { IncomingMessage } from 'node:http';
import { listenOnLoopback } from '@passport-relay/testing';
import {
  type CallerCredential,
  describeInboundAdapter,
  type InboundSetup,
} from '@passport-relay/testing/conformance';
import express from 'express';
import Fastify from 'fastify';
import { gatewayMiddleware } from '../src/express.js';
import { gatewayPlugin } from '../src/fastify.js';
import { createGateway } from '../src/index.js';
import { bearer, createIdentityProvider } from './helpers.js';

// The gateway takes the user's Bearer token and mints the passport from it: the suite's callers
// present a token of a real (test) identity provider, and client-supplied passports must count
// for nothing. The suite's relay is the edge's: it mints, and requests run in its context.
const idp = await createIdentityProvider();
const caller: CallerCredential = {
  headers: async (sub) => bearer(await idp.token({ sub })),
  invalid: { authorization: 'Bearer x.y.z' },
};

function gatewayFor({ relay }: InboundSetup) {
  return createGateway({
    relay,
    jwks: idp.jwks,
    issuer: idp.issuer,
    audience: idp.audience,
    algorithms: ['ES256'],
  });
}

const pathOf = (url: string | undefined) => (url ?? '/').split('?')[0]!;

describeInboundAdapter(
  '@passport-relay/gateway/express',
  {
    async start(setup) {
      const app = express();
      app.use(
        gatewayMiddleware(gatewayFor(setup), {
          required: (req: IncomingMessage) => setup.required(pathOf(req.url)),
        }),
      );
      app.use(setup.handler);
      return listenOnLoopback(app);
    },
  },
  { caller },
);

describeInboundAdapter(
  '@passport-relay/gateway/fastify',
  {
    async start(setup) {
      const app = Fastify();
      await app.register(gatewayPlugin, {
        gateway: gatewayFor(setup),
        required: (request) => setup.required(pathOf(request.url)),
      });
      // The suite reads the raw body itself: a parser that leaves the stream unread.
      app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
      app.all('/*', (request, reply) => {
        reply.hijack();
        setup.handler(request.raw, reply.raw);
      });
      const origin = await app.listen({ port: 0, host: '127.0.0.1' });
      return { origin, close: () => app.close() };
    },
  },
  { caller },
);
