import {
  isPassportError,
  type MessageConsumePolicyOptions,
  messageConsumePolicy,
  PassportError,
  PROBLEM_CONTENT_TYPE,
  type Relay,
  type RelayContext,
  refusalResponse,
} from '@passport-relay/core';
import { assertRelay, optionError } from '@passport-relay/core/adapter';
import { CloudEvent, type CloudEventV1, HTTP, type Message } from 'cloudevents';
import { passportFromEvent } from './passport-from-event.js';

/**
 * Options of {@link cloudEventSink}: the consume-time policy.
 * @example
 * ```ts
 * const options: CloudEventSinkOptions = { maxMessageAgeSeconds: 600 };
 * ```
 */
export interface CloudEventSinkOptions extends MessageConsumePolicyOptions {}

/**
 * What the sink answers; each framework helper writes it.
 * @example
 * ```ts
 * const { status, headers, body }: SinkResponse = await receive({ headers, body: raw });
 * ```
 */
export interface SinkResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * A CloudEvent handler: runs as the event's caller. It may return a CloudEvent, which is sent back
 * in binary mode as the reply Knative routes to the broker.
 * @example
 * ```ts
 * const handler: CloudEventHandler = (event) => notify(event.data, relay.require().sub);
 * ```
 */
export type CloudEventHandler = (event: CloudEventV1<unknown>) => unknown;

/**
 * The framework-free core of a Knative sink: turn an HTTP request (binary or structured mode)
 * into a CloudEvent, verify its `passport` under the consume-time policy, run `handler` as that
 * caller, and say what to answer:
 *
 * - 202 (or 200 with the reply event in binary mode) when `handler` resolves
 * - the refusal (401 with `application/problem+json`, 431, 400) when the passport is refused;
 *   `handler` never runs. A Knative Broker does not retry these statuses: with a
 *   `deadLetterSink` on the Trigger the event goes there
 * - 400 when the request is not one CloudEvent (batches are not accepted)
 * - 500 when `handler` throws, which Knative retries within the Trigger's delivery policy
 *
 * @example
 * ```ts
 * const sink = cloudEventSink(relay, (event) => notify(event.data, relay.require().sub));
 * const { status, headers, body } = await sink({ headers: req.headers, body: rawBody });
 * ```
 */
export function cloudEventSink(
  relay: Relay,
  handler: CloudEventHandler,
  options?: CloudEventSinkOptions,
): (message: Message) => Promise<SinkResponse> {
  assertRelay(relay, 'cloudEventSink');
  const policy = messageConsumePolicy(options ?? {}, 'cloudEventSink');
  if (typeof handler !== 'function') {
    throw optionError('cloudEventSink', 'needs the handler function (event) => reply.');
  }
  return async function receive(message) {
    let event: CloudEventV1<unknown>;
    try {
      const parsed = HTTP.toEvent(message);
      if (Array.isArray(parsed))
        return problem(400, 'Batches are not accepted here; send one CloudEvent.');
      event = parsed;
    } catch {
      return problem(400, 'The request is not a valid CloudEvent.');
    }
    let context: RelayContext;
    try {
      context = passportFromEvent(relay, event, policy);
    } catch (error) {
      if (!isPassportError(error)) throw error;
      return refusalResponse(error as PassportError);
    }
    let reply: unknown;
    try {
      reply = await relay.runWith(context, () => handler(event));
    } catch {
      return problem(500, 'The event handler failed.');
    }
    if (reply instanceof CloudEvent) {
      const { headers, body } = HTTP.binary(reply);
      return {
        status: 200,
        headers: headers as Record<string, string>,
        body: typeof body === 'string' ? body : JSON.stringify(body ?? ''),
      };
    }
    return { status: 202, headers: {}, body: '' };
  };
}

function problem(status: number, detail: string): SinkResponse {
  return {
    status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE },
    body: JSON.stringify({ type: 'about:blank', title: detail, status, detail }),
  };
}
