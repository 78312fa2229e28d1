import {
  extractFromMessage,
  isPassportError,
  PASSPORT_ERRORS,
  type PassportError,
  type Relay,
  type RelayContext,
} from '@passport-relay/core';
import {
  headers as createHeaders,
  type Msg,
  type NatsConnection,
  type Subscription,
  type SubscriptionOptions,
} from 'nats';
import { carrierOf } from './headers-carrier.js';
import { type NatsConsumeOptions, resolveNatsConsumeOptions } from './options.js';

/**
 * Header of an error reply with its title, as the NATS services framework writes it.
 * @example
 * ```ts
 * reply.headers?.get(NATS_SERVICE_ERROR); // 'Passport signature invalid'
 * ```
 */
export const NATS_SERVICE_ERROR = 'Nats-Service-Error';
/**
 * Header of an error reply with its status (401, 431, 400, 500).
 * @example
 * ```ts
 * reply.headers?.get(NATS_SERVICE_ERROR_CODE); // '401'
 * ```
 */
export const NATS_SERVICE_ERROR_CODE = 'Nats-Service-Error-Code';
/**
 * Header of an error reply with the refusal's `PassportErrorCode`.
 * @example
 * ```ts
 * reply.headers?.get(PASSPORT_ERROR_HEADER); // 'ERR_PASSPORT_EXPIRED'
 * ```
 */
export const PASSPORT_ERROR_HEADER = 'Passport-Error';

/**
 * Options of {@link subscribeWithPassport}.
 * @example
 * ```ts
 * const options: SubscribeWithPassportOptions = { queue: 'workers', maxMessageAgeSeconds: 600 };
 * ```
 */
export interface SubscribeWithPassportOptions
  extends NatsConsumeOptions<Msg>,
    Omit<SubscriptionOptions, 'callback'> {}

/**
 * Subscribe to `subject` with every message's passport verified before `handler` runs, and
 * `handler` run as that caller (`relay.current()`). Queue groups (`{ queue }`) and the other
 * subscription options pass through.
 *
 * A refused message never reaches `handler`. A request (a message with a reply subject) gets an
 * error reply with no payload and the headers `Nats-Service-Error` (the title, never the token),
 * `Nats-Service-Error-Code` (401, or 431/400) and `Passport-Error` (the code), which
 * {@link refusalOf} reads on the requester's side. A plain publish is dropped: core NATS has no
 * redelivery, so nothing is retried.
 * If `handler` throws on a request, the requester gets a 500 error reply.
 *
 * @example
 * ```ts
 * subscribeWithPassport(relay, nc, 'orders.get', (msg) => {
 *   msg.respond(JSON.stringify(loadOrder(relay.require().sub)));
 * }, { queue: 'orders' });
 * ```
 */
export function subscribeWithPassport(
  relay: Relay,
  connection: NatsConnection,
  subject: string,
  handler: (message: Msg) => unknown,
  options: SubscribeWithPassportOptions = {},
): Subscription {
  const { maxMessageAgeSeconds, required, onRefused, ...subscription } = options;
  const consume = resolveNatsConsumeOptions<Msg>(
    { maxMessageAgeSeconds, required, onRefused } as NatsConsumeOptions<Msg>,
    'subscribeWithPassport',
  );
  if (typeof handler !== 'function') {
    throw new TypeError('subscribeWithPassport needs the handler function.');
  }
  return connection.subscribe(subject, {
    ...subscription,
    callback(error, message) {
      if (error !== null) return; // the subscription itself failed; the client reports it
      let context: RelayContext;
      try {
        context = extractFromMessage(relay, carrierOf(relay, message.headers), consume.policy);
      } catch (refusal) {
        if (!isPassportError(refusal)) throw refusal;
        if (message.reply)
          respondWithError(
            message,
            refusal.status,
            PASSPORT_ERRORS[refusal.code].title,
            refusal.code,
          );
        consume.onRefused?.(refusal as PassportError, message);
        return;
      }
      void Promise.resolve()
        .then(() => relay.runWith(context, () => handler(message)))
        .catch(() => {
          if (message.reply) respondWithError(message, 500, 'Handler failed', undefined);
        });
    },
  });
}

function respondWithError(
  message: Msg,
  status: number,
  title: string,
  code: string | undefined,
): void {
  const headers = createHeaders();
  headers.set(NATS_SERVICE_ERROR, title);
  headers.set(NATS_SERVICE_ERROR_CODE, String(status));
  if (code !== undefined) headers.set(PASSPORT_ERROR_HEADER, code);
  message.respond(undefined, { headers });
}
