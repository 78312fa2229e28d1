export { CurrentPassport } from './current-passport.decorator.js';
export type {
  PassportRelayModuleAsyncOptions,
  PassportRelayModuleOptions,
  PassportRelayRoute,
  ResolvedPassportRelayOptions,
} from './options.js';
export { PassportService } from './passport.service.js';
export { PassportRefusalFilter } from './passport-refusal.filter.js';
export { PassportRefusedException } from './passport-refused.exception.js';
export { PassportRelayMiddleware } from './passport-relay.middleware.js';
export { PassportRelayModule } from './passport-relay.module.js';
export { PassportRequiredGuard } from './passport-required.guard.js';
export { RequirePassport } from './require-passport.decorator.js';
export { PASSPORT_CLS_KEY, PASSPORT_RELAY, PASSPORT_RELAY_OPTIONS } from './tokens.js';
