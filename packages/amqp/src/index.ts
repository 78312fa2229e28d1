export { installChannelPassport } from './channel-passport.js';
export { consumeWithPassport } from './consume.js';
export {
  type ChannelPassportOptions,
  type ConsumeWithPassportOptions,
  type ExchangePolicy,
  resolveChannelOptions,
  resolveConsumeOptions,
} from './options.js';
