export {
  type PassportProcessorOptions,
  type QueuePassportOptions,
  resolveProcessorOptions,
  resolveQueueOptions,
} from './options.js';
export { type JobProcessor, passportProcessor } from './processor.js';
export { installQueuePassport } from './queue-passport.js';
export { PassportJobRefusedError } from './refused-error.js';
