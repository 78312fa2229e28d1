export { type PassportState, passportRelay } from './middleware.js';
export type { KoaRelayOptions } from './options.js';
