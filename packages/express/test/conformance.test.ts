import { listenOnLoopback } from '@passport-relay/testing';
import { describeInboundAdapter } from '@passport-relay/testing/conformance';
import type { Request } from 'express';
import { passportRelay } from '../src/index.js';
import { expressVersions } from './frameworks.js';

for (const { name, express } of expressVersions) {
  describeInboundAdapter(`@passport-relay/express on ${name}`, {
    async start({ relay, required, handler }) {
      const app = express();
      app.use(passportRelay(relay, { required: (req: Request) => required(req.path) }));
      app.use(handler);
      return listenOnLoopback(app);
    },
  });
}
