export type { FastifyPassportFields, FastifyRelayOptions, PassportHook } from './options.js';
export { passportRelay } from './plugin.js';
