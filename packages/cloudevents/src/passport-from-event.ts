import {
  extractFromMessage,
  type MessageConsumePolicy,
  type Relay,
  type RelayContext,
} from '@passport-relay/core';
import type { CloudEventV1 } from 'cloudevents';
import { PASSPORT_EXTENSION } from './with-passport.js';

/**
 * Verify the passport an event carries under the consume-time policy: the context to run the
 * event's handler in, or a thrown `PassportError`.
 *
 * @example
 * ```ts
 * const policy = messageConsumePolicy();
 * const context = passportFromEvent(relay, event, policy);
 * await relay.runWith(context, () => onOrderCreated(event));
 * ```
 */
export function passportFromEvent(
  relay: Relay,
  event: CloudEventV1<unknown>,
  policy: MessageConsumePolicy,
): RelayContext {
  return extractFromMessage(relay, { [relay.header]: event[PASSPORT_EXTENSION] }, policy);
}
