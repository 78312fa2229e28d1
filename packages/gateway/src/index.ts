export {
  type Anonymous,
  type Authenticated,
  type AuthenticateOptions,
  createGateway,
  type Gateway,
  type GatewayHeaders,
  type GatewayResult,
} from './gateway.js';
export {
  type GatewayOptions,
  type MintCacheOptions,
  type RemoteJwksOptions,
  USER_TOKEN_ALGORITHMS,
  type UserTokenAlgorithm,
} from './gateway-options.js';
export { type BearerError, GatewayRefusal, type GatewayRefusalOptions } from './gateway-refusal.js';
export {
  type GeneratePassportKeyOptions,
  generatePassportKey,
  type PassportKeyPair,
  type PassportSecret,
} from './generate-key.js';
export {
  JWKS_PATH,
  type JwksHttpResponse,
  type JwksResponseOptions,
  jwksResponse,
  type PublishedKeys,
} from './jwks-endpoint.js';
export {
  createKeyRing,
  type KeyRing,
  type KeyRingEntry,
  type KeyRingOptions,
  type KeyState,
  type KeyStatus,
} from './key-ring.js';
export {
  createLocalTts,
  type LocalTts,
  type LocalTtsInput,
  type LocalTtsOptions,
  type TxnScope,
} from './local-tts.js';
export {
  type DefaultPassportFields,
  defaultToPassport,
  type ToPassport,
  type UserClaims,
} from './user-claims.js';
