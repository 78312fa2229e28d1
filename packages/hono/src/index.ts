export { type PassportEnv, type PassportVariables, passportRelay } from './middleware.js';
export type { HonoRelayOptions } from './options.js';
