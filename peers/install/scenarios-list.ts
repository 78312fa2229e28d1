import { expect } from 'vitest';
import type { Scenario, Served } from './scenarios.js';

// Each app answers GET /orders for the test's caller (sub `user-42`); outbound apps also report
// the passport headers their loopback downstream (an allowed destination) received.
const servedTheCaller = ({ status, body }: Served) => {
  expect(status).toBe(200);
  expect(body).toMatchObject({ owner: 'user-42' });
};
const carriedTo = (calls: number) => (served: Served, token: string) => {
  servedTheCaller(served);
  expect(served.body.downstream).toEqual(Array(calls).fill(token));
};

// The peers a Nest user's app has before adding passport-relay (the README says so).
const nestApp = (major: number) => [
  `@nestjs/common@^${major}`,
  `@nestjs/core@^${major}`,
  `@nestjs/platform-express@^${major}`,
  'reflect-metadata',
  'rxjs',
];

/** Every README install line, each run by exactly the scenarios that prove it. */
export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'core',
    readme: 'packages/core/README.md',
    lines: ['npm install @passport-relay/core'],
    app: 'core.mjs',
    check: servedTheCaller,
  },
  {
    id: 'express',
    readme: 'packages/express/README.md',
    lines: ['npm install @passport-relay/express @passport-relay/core express'],
    app: 'express.mjs',
    check: servedTheCaller,
  },
  {
    id: 'fastify',
    readme: 'packages/fastify/README.md',
    lines: ['npm install @passport-relay/fastify @passport-relay/core fastify'],
    app: 'fastify.mjs',
    check: (served) => {
      servedTheCaller(served);
      expect(served.body.alsoHere).toBe('user-42');
    },
  },
  {
    id: 'koa',
    readme: 'packages/koa/README.md',
    lines: ['npm install @passport-relay/koa @passport-relay/core koa'],
    app: 'koa.mjs',
    check: (served) => {
      servedTheCaller(served);
      expect(served.body.alsoHere).toBe('user-42');
    },
  },
  {
    id: 'hono',
    readme: 'packages/hono/README.md',
    lines: ['npm install @passport-relay/hono @passport-relay/core hono @hono/node-server'],
    app: 'hono.mjs',
    check: (served) => {
      servedTheCaller(served);
      expect(served.body.alsoHere).toBe('user-42');
    },
  },
  ...[12, 11].map(
    (major): Scenario => ({
      id: `nest-${major}`,
      readme: 'packages/nest/README.md',
      lines: [/^npm install @passport-relay\/nest @passport-relay\/core nestjs-cls(@\S+)?$/],
      before: [nestApp(major)],
      app: 'nest.mjs',
      engines: ['@nestjs/core', 'nestjs-cls'],
      check: (served) => {
        servedTheCaller(served);
        expect(served.body).toMatchObject({ tenant: 't1', alsoHere: 'user-42' });
      },
    }),
  ),
  {
    id: 'undici',
    readme: 'packages/undici/README.md',
    // The undici range is widening (^7 || ^8); whichever major the line names must work.
    lines: [/^pnpm add @passport-relay\/core @passport-relay\/undici undici(@\S+)?$/],
    app: 'undici.mjs',
    engines: ['undici'],
    check: carriedTo(2),
  },
  {
    id: 'axios',
    readme: 'packages/axios/README.md',
    lines: ['pnpm add @passport-relay/core @passport-relay/axios axios'],
    app: 'axios.mjs',
    check: carriedTo(2),
  },
  {
    id: 'http',
    readme: 'packages/http/README.md',
    lines: ['pnpm add @passport-relay/core @passport-relay/http'],
    app: 'http.mjs',
    check: carriedTo(1),
  },
  ...[
    {
      id: 'otel-newest',
      sdk: /^npm install @opentelemetry\/sdk-node@\S+ @opentelemetry\/core@\S+ @opentelemetry\/instrumentation-http@\S+ @opentelemetry\/instrumentation-undici@\S+ @opentelemetry\/exporter-trace-otlp-http@\S+$/,
    },
    {
      id: 'otel-node20',
      sdk: /^npm install @opentelemetry\/api@\S+ @opentelemetry\/sdk-node@\S+ @opentelemetry\/core@\S+ @opentelemetry\/instrumentation-http@\S+ @opentelemetry\/instrumentation-undici@\S+ @opentelemetry\/exporter-trace-otlp-http@\S+$/,
    },
  ].map(
    ({ id, sdk }): Scenario => ({
      id,
      readme: 'packages/otel/README.md',
      lines: [
        'npm install @passport-relay/otel @passport-relay/core @opentelemetry/api',
        sdk,
        'npm install @passport-relay/undici @passport-relay/http',
      ],
      app: 'otel.mjs',
      extraFiles: ['otel-start.mjs', 'otel-relay.mjs'],
      nodeArgs: ['--import', './otel-start.mjs'],
      // The newest SDK line needs Node 22.15; on Node 20 its app is skipped, saying so.
      engines: ['@opentelemetry/sdk-node', 'undici'],
      check: carriedTo(1),
    }),
  ),
  {
    id: 'gateway',
    readme: 'packages/gateway/README.md',
    lines: ['npm install @passport-relay/gateway @passport-relay/core'],
    // Express is an optional peer the quick start uses: the user's app has it.
    before: [['express']],
    app: 'gateway.mjs',
    check: (served) => {
      servedTheCaller(served);
      expect(served.body.downstreamVerified).toBe('user-42');
    },
  },
  {
    id: 'grpc',
    readme: 'packages/grpc/README.md',
    lines: ['npm install @passport-relay/grpc @passport-relay/core @grpc/grpc-js'],
    app: 'grpc.mjs',
    check: (served) => {
      servedTheCaller(served);
      expect(served.body.grpc).toEqual({ owner: 'user-42', id: 7 });
    },
  },
  {
    id: 'logging',
    readme: 'packages/logging/README.md',
    lines: ['npm install @passport-relay/logging @passport-relay/core pino'],
    app: 'logging.mjs',
    check: (served) => {
      servedTheCaller(served);
      expect(served.body.logged).toEqual([{ sub: 'user-42', tenant: 't1' }]);
    },
  },
  {
    id: 'doctor',
    readme: 'packages/doctor/README.md',
    // The doctor's README installs it alone; core comes with it as its dependency.
    lines: ['npm install --save-dev @passport-relay/doctor'],
    app: 'doctor.mjs',
    check: (served) => {
      servedTheCaller(served);
      expect(served.body.undecided).toBe(1);
    },
  },
  {
    id: 'testing',
    readme: 'packages/testing/README.md',
    lines: ['npm install --save-dev @passport-relay/testing @passport-relay/core'],
    app: 'testing.mjs',
    check: (served) => {
      servedTheCaller(served);
      expect(served.body.forgedRefused).toBe(true);
    },
  },
  {
    id: 'bullmq',
    readme: 'packages/bullmq/README.md',
    lines: ['npm install @passport-relay/bullmq @passport-relay/core bullmq ioredis'],
    app: 'bullmq.mjs',
    brokers: ['redis'],
    check: servedTheCaller,
  },
  {
    id: 'amqp',
    readme: 'packages/amqp/README.md',
    lines: ['npm install @passport-relay/amqp @passport-relay/core amqplib'],
    app: 'amqp.mjs',
    brokers: ['rabbitmq'],
    check: servedTheCaller,
  },
  {
    id: 'nats',
    readme: 'packages/nats/README.md',
    lines: ['npm install @passport-relay/nats @passport-relay/core nats'],
    app: 'nats.mjs',
    brokers: ['nats'],
    check: servedTheCaller,
  },
  {
    id: 'cloudevents',
    readme: 'packages/cloudevents/README.md',
    lines: ['npm install @passport-relay/cloudevents @passport-relay/core cloudevents@^10'],
    app: 'cloudevents.mjs',
    check: (served) => {
      servedTheCaller(served);
      expect(served.body.sinkStatus).toBe(202);
    },
  },
  {
    id: 'istio',
    readme: 'packages/istio/README.md',
    lines: ['npm i -D @passport-relay/istio'],
    app: 'none',
    cli: { bin: 'passport-relay-istio', args: ['--namespace', 'shop'] },
    check: ({ body }) => {
      expect(body.stdout).toContain('kind: EnvoyFilter');
      expect(body.stdout).toContain('namespace: shop');
    },
  },
];
