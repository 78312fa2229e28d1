export {
  type RecordedRequest,
  type RecordingServer,
  type RecordingServerOptions,
  startRecordingServer,
} from './recording-server.js';
export {
  createTestRelay,
  type TestRelay,
  type TestRelayOptions,
} from './test-relay.js';
