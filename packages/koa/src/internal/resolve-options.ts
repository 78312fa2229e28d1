import { PassportError, type Relay } from '@passport-relay/core';
import type { Context } from 'koa';
import type { KoaRelayOptions } from '../options.js';

/** Options after validation: what the middleware reads on every request. */
export interface ResolvedOptions {
  readonly required: (ctx: Context) => boolean;
  readonly onRefusal: 'respond' | 'throw';
}

const KNOWN_OPTIONS = ['required', 'onRefusal'];
const always = () => true;
const never = () => false;

function badOption(message: string): PassportError {
  return new PassportError('ERR_PASSPORT_OPTIONS', `passportRelay (koa): ${message}`);
}

/**
 * Validate the relay and the options once, when the middleware is created: the one place this
 * package checks them, so it can move onto `@passport-relay/core/adapter` in one edit.
 */
export function resolveOptions(
  relay: Relay<object>,
  options: KoaRelayOptions | undefined,
): ResolvedOptions {
  if (
    typeof relay !== 'object' ||
    relay === null ||
    typeof relay.extract !== 'function' ||
    typeof relay.runWith !== 'function' ||
    typeof relay.bind !== 'function'
  ) {
    throw badOption('the first argument must be the relay from createRelay({ codec, ... }).');
  }
  if (options === undefined) return { required: never, onRefusal: 'respond' };
  if (typeof options !== 'object' || options === null) {
    throw badOption('options must be an object such as { required: true, onRefusal: "throw" }.');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.includes(key)) {
      throw badOption(`unknown option "${key}"; known options are ${KNOWN_OPTIONS.join(', ')}.`);
    }
  }
  const { required = false, onRefusal = 'respond' } = options;
  if (typeof required !== 'boolean' && typeof required !== 'function') {
    throw badOption('"required" must be a boolean or a function (ctx) => boolean.');
  }
  if (onRefusal !== 'respond' && onRefusal !== 'throw') {
    throw badOption(
      `"onRefusal" must be "respond" (answer with a problem+json refusal) or "throw" (throw the PassportError); received ${JSON.stringify(onRefusal)}.`,
    );
  }
  return {
    required: typeof required === 'function' ? required : required ? always : never,
    onRefusal,
  };
}
