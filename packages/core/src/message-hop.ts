import { compileNamePolicy, type NamePolicy } from './name-policy.js';
import { checkOptions, optionError } from './option-checks.js';
import { decideHop, type HopRequest, type OutboundRelay } from './outbound-decision.js';
import type { OutboundHeaders } from './relay-context.js';

/**
 * The producer decision for one message (a job, a NATS message, an AMQP publish): the relay's
 * headers to put on it, or none. It is {@link decideHop}'s decision with the messaging adapter's
 * own destination check (a `compileNamePolicy` list, AMQP's exchange and routing-key rules) in
 * place of the relay's host list: the caller's value wins, a destination off the list gets
 * nothing, and the same diagnostics are published after it.
 *
 * @param destination The destination's name, as the diagnostics report it (`"emails"`,
 *   `"exchange:orders/order.created"`).
 * @param allowed Whether the adapter's policy lets this destination carry the passport.
 * @param message Which headers (or data keys) the message already has.
 * @example
 * ```ts
 * const add = decideMessageHop(relay, subject, policy.allows(subject), { has: (name) => headers.has(name) });
 * for (const [name, value] of add) headers.set(name, value);
 * ```
 */
export function decideMessageHop(
  relay: Omit<OutboundRelay, 'allows'>,
  destination: string,
  allowed: boolean,
  message: Pick<HopRequest, 'has'>,
): OutboundHeaders {
  const view: OutboundRelay = {
    header: relay.header,
    forwardHeaders: relay.forwardHeaders,
    currentContext: () => relay.currentContext(),
    allows: () => allowed,
  };
  return decideHop(view, destination, { has: message.has }).add;
}

/**
 * Check a messaging producer's options, `{ propagateTo }` and nothing else, once at install, and
 * return the patterns for the adapter to compile (`compileNamePolicy`, or its own syntax).
 * `propagateTo` is required: a destination's name says nothing about who reads it.
 *
 * @param example A call that works, shown when the options are wrong.
 * @example
 * ```ts
 * const policy = compileNamePolicy(
 *   propagateToOption('installNatsPassport', options, 'installNatsPassport(relay, nc, { propagateTo: ["orders.>"] })'),
 *   'installNatsPassport: propagateTo',
 * );
 * ```
 */
export function propagateToOption(
  where: string,
  options: unknown,
  example: string,
): readonly string[] {
  const { propagateTo } = checkOptions(where, options, {
    known: ['propagateTo'],
    example,
    required: true,
  });
  if (!Array.isArray(propagateTo)) {
    throw optionError(
      where,
      `needs { propagateTo }: the destinations whose messages may carry the passport, e.g. ${example}.`,
    );
  }
  return propagateTo;
}

/**
 * {@link propagateToOption}, compiled with `compileNamePolicy`: what a producer whose destinations
 * are plain names (queues, NATS subjects) checks once at install.
 *
 * @example
 * ```ts
 * const policy = namePolicyOption('installQueuePassport', options, 'installQueuePassport(relay, queue, { propagateTo: ["emails"] })');
 * policy.allows('emails'); // true
 * ```
 */
export function namePolicyOption(where: string, options: unknown, example: string): NamePolicy {
  return compileNamePolicy(propagateToOption(where, options, example), `${where}: propagateTo`);
}
