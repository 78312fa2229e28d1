export type { EncodeOptions, PassportCodec } from './codec.js';
export { asyncLocalContextStore, type ContextStore } from './context-store.js';
export {
  canonicalHost,
  compileDestinationPolicy,
  DEFAULT_PROPAGATE_TO,
  type DestinationPolicy,
  NEVER_PROPAGATE_TO,
} from './destination-policy.js';
export { DIAGNOSTICS_CHANNELS } from './diagnostics.js';
export {
  isPassportError,
  isServerSideError,
  PASSPORT_ERRORS,
  PassportError,
  type PassportErrorCode,
  type PassportProblem,
  PROBLEM_CONTENT_TYPE,
  type RefusalResponse,
  refusalResponse,
  toProblem,
} from './errors.js';
export { TRACING_HEADERS } from './forward-headers.js';
export type {
  SigningKeySource,
  VerificationKeySet,
  VerificationKeySource,
} from './key-source.js';
export {
  type EdDSAKey,
  type HS256Key,
  PASSPORT_ALGORITHMS,
  type PassportAlgorithm,
  type SigningKey,
  type VerificationKey,
} from './keys.js';
export { DEFAULT_LIMITS, type PassportLimits } from './limits.js';
export {
  DEFAULT_MAX_MESSAGE_AGE_SECONDS,
  extractFromMessage,
  type MessageConsumePolicy,
  type MessageConsumePolicyOptions,
  messageConsumePolicy,
} from './message-consume-policy.js';
export { compileNamePolicy, type NamePolicy } from './name-policy.js';
export type { Passport, PassportClaims, PassportFields, RegisteredClaims } from './passport.js';
export { type PlainCodecOptions, plainCodecTrustingMesh } from './plain-codec.js';
export {
  createRelay,
  type Destination,
  type ExtractOptions,
  type HeaderAccess,
  type HeaderCarrier,
  type Relay,
  type RelayOptions,
} from './relay.js';
export type { OutboundHeaders, RelayContext } from './relay-context.js';
export { type RemoteJwks, type RemoteJwksOptions, remoteJwks } from './remote-jwks.js';
export type { StandardSchemaV1 } from './schema.js';
export { type SignedCodecOptions, signedCodec } from './signed-codec.js';
export * from './txn-token.js';
