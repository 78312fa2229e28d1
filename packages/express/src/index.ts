export { type PassportRelayMiddleware, passportRelay } from './middleware.js';
export type { ExpressRelayOptions } from './options.js';
