export { type ExpressCloudEventSinkOptions, expressCloudEventSink } from './express.js';
export {
  type FastifyCloudEventSinkOptions,
  registerCloudEventSink,
} from './fastify.js';
export { passportFromEvent } from './passport-from-event.js';
export {
  type CloudEventHandler,
  type CloudEventSinkOptions,
  cloudEventSink,
  type SinkResponse,
} from './sink.js';
export { PASSPORT_EXTENSION, withPassport } from './with-passport.js';
