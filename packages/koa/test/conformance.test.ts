import { createServer } from 'node:http';
import { listenOnLoopback } from '@passport-relay/testing';
import { describeInboundAdapter } from '@passport-relay/testing/conformance';
import { passportRelay } from '../src/index.js';
import { koaVersions } from './frameworks.js';

for (const { name, Koa } of koaVersions) {
  describeInboundAdapter(`@passport-relay/koa on ${name}`, {
    async start({ relay, required, handler }) {
      const app = new Koa();
      app.use(passportRelay(relay, { required: (ctx) => required(ctx.path) }));
      app.use((ctx) => {
        // The suite's handler writes the raw response itself; Koa must not answer after it.
        ctx.respond = false;
        handler(ctx.req, ctx.res);
      });
      return listenOnLoopback(createServer(app.callback()));
    },
  });
}
