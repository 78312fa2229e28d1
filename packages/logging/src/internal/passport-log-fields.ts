import type { Relay } from '@passport-relay/core';
import { assertRelay, checkOptions, optionError } from '@passport-relay/core/adapter';
import type { PassportLogOptions } from '../options.js';

const NOTHING: Readonly<Record<string, unknown>> = Object.freeze({});

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
  assertRelay(relay, where);
  const checked = checkOptions(where, options, {
    known: ['fields', 'key'],
    example: '{ fields: ["sub", "tenant"] }',
  });
  const { fields = ['sub'], key = 'passport' } = checked as PassportLogOptions;
  if (
    !Array.isArray(fields) ||
    fields.length === 0 ||
    fields.some((field) => typeof field !== 'string' || field === '')
  ) {
    throw optionError(
      where,
      '"fields" must be a non-empty list of passport field names, e.g. ["sub"].',
    );
  }
  if (key !== false && (typeof key !== 'string' || key === '')) {
    throw optionError(where, '"key" must be a property name such as "passport", or false.');
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
