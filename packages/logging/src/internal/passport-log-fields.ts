import { PassportError, type Relay } from '@passport-relay/core';
import type { PassportLogOptions } from '../options.js';

const KNOWN_OPTIONS = ['fields', 'key'];
const NOTHING: Readonly<Record<string, unknown>> = Object.freeze({});

function badOption(where: string, message: string): PassportError {
  return new PassportError('ERR_PASSPORT_OPTIONS', `${where}: ${message}`);
}

/**
 * Validate the relay and options once, and return what a log line gets: the chosen fields of the
 * current passport (under `key`), or an empty object outside a request or for an anonymous caller.
 * Reads only `relay.current()`, the verified passport: the token is never in reach.
 */
export function passportLogFields(
  where: string,
  relay: Relay<object>,
  options: PassportLogOptions | undefined,
): () => Readonly<Record<string, unknown>> {
  if (typeof (relay as Partial<Relay<object>> | undefined)?.current !== 'function') {
    throw badOption(
      where,
      'the first argument must be the relay from createRelay({ codec, ... }).',
    );
  }
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw badOption(where, 'options must be an object such as { fields: ["sub", "tenant"] }.');
  }
  for (const name of Object.keys(options ?? {})) {
    if (!KNOWN_OPTIONS.includes(name)) {
      throw badOption(where, `unknown option "${name}"; known options are fields, key.`);
    }
  }
  const { fields = ['sub'], key = 'passport' } = options ?? {};
  if (
    !Array.isArray(fields) ||
    fields.length === 0 ||
    fields.some((field) => typeof field !== 'string' || field === '')
  ) {
    throw badOption(
      where,
      '"fields" must be a non-empty list of passport field names, e.g. ["sub"].',
    );
  }
  if (key !== false && (typeof key !== 'string' || key === '')) {
    throw badOption(where, '"key" must be a property name such as "passport", or false.');
  }
  const names = [...new Set(fields)];

  return function currentPassportFields() {
    const passport = relay.current() as Readonly<Record<string, unknown>> | undefined;
    if (passport === undefined) return NOTHING;
    const picked: Record<string, unknown> = {};
    for (const name of names) {
      if (Object.hasOwn(passport, name) && passport[name] !== undefined)
        picked[name] = passport[name];
    }
    return key === false ? picked : { [key]: picked };
  };
}
