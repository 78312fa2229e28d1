import { optionError } from './option-checks.js';

/**
 * The mark `createRelay` puts on every relay. A `Symbol.for` key, so a relay made by an ESM copy of
 * core is recognised by adapters that loaded the CommonJS copy (and the other way round).
 *
 * @example
 * ```ts
 * (relay as Record<symbol, unknown>)[RELAY_BRAND]; // true for a relay from createRelay
 * ```
 */
export const RELAY_BRAND: unique symbol = Symbol.for('passport-relay.Relay.v1') as never;

/**
 * Whether `value` is a relay made by `createRelay` (from any copy of `@passport-relay/core`).
 *
 * @example
 * ```ts
 * if (!isRelay(options.relay)) throw optionError('myAdapter', '"relay" is required.');
 * ```
 */
export function isRelay(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[RELAY_BRAND] === true
  );
}

/**
 * Throw `ERR_PASSPORT_OPTIONS` unless `value` is a relay made by `createRelay`: the one relay check
 * every adapter runs when it is created.
 *
 * @param where The call being checked, for the message, e.g. `'passportRelay (express)'`.
 * @param option The option that holds the relay, when it is one (`'relay'`), for the message.
 * @example
 * ```ts
 * export function myMiddleware(relay: AnyRelay) {
 *   assertRelay(relay, 'myMiddleware(relay)');
 * }
 * ```
 */
export function assertRelay(value: unknown, where: string, option?: string): void {
  if (isRelay(value)) return;
  const received = value === null ? 'null' : typeof value;
  throw optionError(
    where,
    option === undefined
      ? `needs the relay made by createRelay({ codec, ... }) from @passport-relay/core; received ${received}.`
      : `"${option}" is required: the relay made by createRelay({ codec, ... }) from @passport-relay/core; received ${received}.`,
  );
}
