import { peerSetProject } from '../peer-project.js';

export default peerSetProject({
  name: 'otel@newest',
  configUrl: import.meta.url,
  packageDir: 'otel',
  minNode: '22.15',
  peers: [
    '@opentelemetry/api',
    '@opentelemetry/context-async-hooks',
    '@opentelemetry/core',
    '@opentelemetry/instrumentation-http',
    '@opentelemetry/instrumentation-undici',
    '@opentelemetry/sdk-node',
    { name: '@opentelemetry/sdk-trace-base', to: 'sdk-trace-base.ts' },
  ],
  exclude: [
    {
      file: 'test/startup.test.ts',
      why: 'its child processes load the SDK with Node’s own resolver from the package, never from an alias',
    },
  ],
});
