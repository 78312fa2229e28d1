/**
 * `@passport-relay/core/adapter`: the contract adapters are written against, separate from the user
 * API in `@passport-relay/core` (`current`, `require`, `run`, `bind`, ...), as OpenTelemetry
 * separates its API from its SDK. Every decision an adapter would otherwise make lives here once:
 * the relay check, option checking, the inbound decision and running a Node request in context,
 * the refusal response, the outbound decision per hop, and install-once with uninstall.
 */

export { isServerSideError, type RefusalResponse, refusalResponse } from './errors.js';
export { isConnectionOrCredentialHeader } from './forward-headers.js';
export {
  admit,
  type InboundRelay,
  type Requirement,
  requirement,
  runNodeRequest,
} from './inbound.js';
export { type InboundOptions, inboundOptions } from './inbound-options.js';
export { installedCount, installedKeys, installOnce } from './install-registry.js';
export { decideMessageHop, namePolicyOption, propagateToOption } from './message-hop.js';
export {
  type CheckOptionsSpec,
  checkOptions,
  numberOption,
  oneOf,
  optionError,
} from './option-checks.js';
export {
  type Destination,
  decideHop,
  type HopDecision,
  type HopRequest,
  type OutboundRelay,
  publishInjected,
} from './outbound-decision.js';
export { assertRelay, isRelay, RELAY_BRAND } from './relay-brand.js';
export { TtlCache, type TtlCacheOptions } from './ttl-cache.js';
export { type NodeResponseLike, type ReplyLike, writeRefusal } from './write-refusal.js';
