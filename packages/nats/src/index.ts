export { type JetStreamHandlerOptions, jetStreamHandler } from './jetstream.js';
export { installNatsPassport } from './nats-passport.js';
export {
  type NatsConsumeOptions,
  type NatsPassportOptions,
  resolveNatsConsumeOptions,
  resolveNatsOptions,
} from './options.js';
export { refusalOf } from './refusal-of.js';
export {
  NATS_SERVICE_ERROR,
  NATS_SERVICE_ERROR_CODE,
  PASSPORT_ERROR_HEADER,
  type SubscribeWithPassportOptions,
  subscribeWithPassport,
} from './subscribe.js';
