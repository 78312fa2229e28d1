import 'reflect-metadata';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { All, Controller, Inject, Module, Req, Res } from '@nestjs/common';
import { describeInboundAdapter, type NodeHandler } from '@passport-relay/testing/conformance';
import { PassportRelayModule } from '../src/index.js';
import { PLATFORMS, startApp } from './support/platforms.js';

const HANDLER = Symbol('conformance handler');

/** Hands every request to the suite's Node handler, on either platform. */
@Controller()
class ConformanceController {
  constructor(@Inject(HANDLER) private readonly handler: NodeHandler) {}

  @All('*')
  handle(@Req() request: { raw?: IncomingMessage }, @Res() response: { raw?: ServerResponse }) {
    // Express hands Node's objects; Fastify wraps them in `raw`.
    const req = (request.raw ?? request) as IncomingMessage;
    const res = (response.raw ?? response) as ServerResponse;
    this.handler(req, res);
  }
}

for (const platform of PLATFORMS) {
  describeInboundAdapter(
    `@passport-relay/nest on ${platform}`,
    {
      async start({ relay, required, handler }) {
        // Nest's own option is a boolean plus "exclude"; the suite's open route is the exception.
        const open = ['/open'].filter((path) => !required(path)).map((path) => path.slice(1));
        @Module({})
        class ConformanceModule {}
        return startApp(platform, {
          module: ConformanceModule,
          imports: [PassportRelayModule.forRoot({ relay, required: true, exclude: open })],
          controllers: [ConformanceController],
          providers: [{ provide: HANDLER, useValue: handler }],
        });
      },
    },
    // Nest's Fastify platform answers the suite's application/octet-stream upload with 415 before
    // any middleware (Fastify has no parser for it), so there is no body stream to listen to.
    { bodyListeners: platform === 'express' },
  );
}
