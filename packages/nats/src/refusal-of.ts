import { PASSPORT_ERRORS, PassportError, type PassportErrorCode } from '@passport-relay/core';
import type { Msg } from 'nats';
import { PASSPORT_ERROR_HEADER } from './subscribe.js';

/**
 * On the requester's side: the `PassportError` a reply says the request was refused with, or
 * `undefined` for any other reply.
 *
 * @example
 * ```ts
 * const reply = await nc.request('orders.get', payload);
 * const refusal = refusalOf(reply);
 * if (refusal !== undefined) throw refusal; // e.g. ERR_PASSPORT_EXPIRED
 * ```
 */
export function refusalOf(reply: Msg): PassportError | undefined {
  const code = reply.headers?.get(PASSPORT_ERROR_HEADER);
  if (code === undefined || code === '' || !Object.hasOwn(PASSPORT_ERRORS, code)) return undefined;
  return new PassportError(
    code as PassportErrorCode,
    `The responder refused the request's passport (${code}).`,
  );
}
