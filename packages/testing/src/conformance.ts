/**
 * `@passport-relay/testing/conformance`: the suites every passport-relay adapter passes, for
 * vitest. Adapters written outside this repository run them the same way (see the README).
 */
export {
  type CallerCredential,
  type CallerHeaders,
  CONFORMANCE_PATHS,
  describeInboundAdapter,
  type InboundAdapterHarness,
  type InboundSetup,
  type InboundSuiteOptions,
  type NodeHandler,
  type StartedServer,
} from './conformance/inbound.js';
export {
  describeOutboundAdapter,
  type OutboundAdapterHarness,
  type OutboundRequest,
  type OutboundSuiteOptions,
} from './conformance/outbound.js';
export { type SendOptions, type SentReply, send } from './conformance/send.js';
