import { PassportError, type Relay } from '@passport-relay/core';

/** A `PassportError` for a bad argument, prefixed with the function the user called. */
export function badOption(where: string, message: string): PassportError {
  return new PassportError('ERR_PASSPORT_OPTIONS', `${where}: ${message}`);
}

/**
 * Throw unless `relay` is what `createRelay()` returns. The one place this package checks it, so
 * the lead can switch it to `@passport-relay/core/adapter`'s brand check.
 */
export function checkRelay(where: string, relay: unknown): asserts relay is Relay<object> {
  const candidate = relay as Partial<Relay<object>> | null | undefined;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.extract !== 'function' ||
    typeof candidate.runWith !== 'function' ||
    typeof candidate.outboundHeaders !== 'function'
  ) {
    throw badOption(
      where,
      'the first argument must be the relay from createRelay({ codec, ... }).',
    );
  }
}

/** Throw on keys of `options` outside `known`; return the options as an object. */
export function checkKnownKeys<O extends object>(
  where: string,
  options: O | undefined,
  known: readonly string[],
): Partial<O> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) {
    throw badOption(where, `options must be an object with any of: ${known.join(', ')}.`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw badOption(where, `unknown option "${key}"; known options are ${known.join(', ')}.`);
    }
  }
  return options;
}
