import type { HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { describeInboundAdapter } from '@passport-relay/testing/conformance';
import { Hono } from 'hono';
import { passportRelay } from '../src/index.js';
import { serveOnLoopback } from './serve.js';

describeInboundAdapter('@passport-relay/hono on @hono/node-server', {
  async start({ relay, required, handler }) {
    const app = new Hono<{ Bindings: HttpBindings }>();
    app.use(passportRelay(relay, { required: (c) => required(c.req.path) }));
    app.all('*', (c) => {
      // The suite's handler reads and writes the raw Node request and response itself.
      handler(c.env.incoming, c.env.outgoing);
      return RESPONSE_ALREADY_SENT;
    });
    return serveOnLoopback(app);
  },
});
