import { requirement } from './inbound.js';
import { checkOptions, oneOf } from './option-checks.js';
import { assertRelay } from './relay-brand.js';

/**
 * The options every inbound middleware takes, checked: `required` as a per-request predicate, and
 * what to do with a refusal.
 *
 * @example
 * ```ts
 * const { required, onRefusal }: InboundOptions<Request, 'respond' | 'next'> = inboundOptions(...);
 * ```
 */
export interface InboundOptions<Req, V extends string> {
  readonly required: (request: Req) => boolean;
  readonly onRefusal: V;
}

/**
 * Check an inbound middleware's relay and its `{ required, onRefusal }` options once, at start-up:
 * the relay brand, unknown keys, `required` (a boolean or a predicate, default `false`), and
 * `onRefusal` (one of `refusal`'s choices, default `'respond'`, which every middleware offers).
 *
 * @param where The call, for messages, e.g. `'passportRelay (koa)'`.
 * @param refusal The framework's other way to refuse (besides `'respond'`), explained.
 * @throws `ERR_PASSPORT_OPTIONS` with a fix-it message.
 * @example
 * ```ts
 * const { required, onRefusal } = inboundOptions<Context, 'throw'>('passportRelay (koa)', relay, options, {
 *   throw: 'throw the PassportError',
 * });
 * ```
 */
export function inboundOptions<Req, V extends string>(
  where: string,
  relay: unknown,
  options: unknown,
  refusal: Readonly<Record<V, string>>,
): InboundOptions<Req, V | 'respond'> {
  assertRelay(relay, where);
  const [other] = Object.keys(refusal);
  const checked = checkOptions(where, options, {
    known: ['required', 'onRefusal'],
    example: `passportRelay(relay, { required: true, onRefusal: "${other ?? 'respond'}" })`,
  });
  const choices = { respond: 'answer with a problem+json refusal', ...refusal } as Record<
    V | 'respond',
    string
  >;
  return {
    required: requirement<Req>(where, checked.required, false),
    onRefusal: oneOf(where, 'onRefusal', checked.onRefusal, choices, 'respond'),
  };
}
