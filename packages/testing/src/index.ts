export { type AgedPassportOptions, agedPassport } from './aged-passport.js';
export {
  type BrokerServer,
  freeLoopbackPort,
  requireBinary,
  startNatsServer,
  startRabbitMqServer,
  startRedisServer,
} from './brokers/index.js';
export { type Closable, closeAll } from './close-all.js';
export {
  type ForgedPassport,
  type ForgedPassportsOptions,
  forgedPassports,
} from './forged-passports.js';
export {
  type FastifyLikeApp,
  type ListenOnLoopbackOptions,
  type LoopbackServer,
  listenOnLoopback,
  type NestLikeApp,
  type Servable,
} from './listen-on-loopback.js';
export { type LoopbackAgentOptions, loopbackAgent } from './loopback-agent.js';
export { installPerTest, type TestHooks } from './per-test.js';
export { rawHeaderValues } from './raw-header-values.js';
export {
  type RecordedRequest,
  type RecordingServer,
  type RecordingServerOptions,
  startRecordingServer,
} from './recording-server.js';
export { recordingServerPerTest } from './recording-server-per-test.js';
export { runAsCaller } from './run-as-caller.js';
export { runConcurrently } from './run-concurrently.js';
export { SERVER_FAILURE_SUB, schemaFailingFor } from './server-side-failure.js';
export { type SlowJsonBodyOptions, slowJsonBody } from './slow-json-body.js';
export {
  createTestRelay,
  type TestRelay,
  type TestRelayOptions,
} from './test-relay.js';
