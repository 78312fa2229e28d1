import type { IncomingMessage } from 'node:http';
import { PassportError, type Relay } from '@passport-relay/core';
import type { ExpressRelayOptions } from '../options.js';

/** Options after validation: what the middleware reads on every request. */
export interface ResolvedOptions<Req extends IncomingMessage> {
  readonly required: (req: Req) => boolean;
  readonly onRefusal: 'respond' | 'next';
}

const KNOWN_OPTIONS = new Set(['required', 'onRefusal']);
const always = () => true;
const never = () => false;

function badOption(message: string): PassportError {
  return new PassportError('ERR_PASSPORT_OPTIONS', `passportRelay (express): ${message}`);
}

/** Validate the relay and the options once, when the middleware is created. */
export function resolveOptions<Req extends IncomingMessage>(
  relay: Relay<object>,
  options: ExpressRelayOptions<Req> | undefined,
): ResolvedOptions<Req> {
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
    throw badOption('options must be an object such as { required: true, onRefusal: "next" }.');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) {
      throw badOption(`unknown option "${key}"; known options are required, onRefusal.`);
    }
  }
  const { required = false, onRefusal = 'respond' } = options;
  if (typeof required !== 'boolean' && typeof required !== 'function') {
    throw badOption('"required" must be a boolean or a function (req) => boolean.');
  }
  if (onRefusal !== 'respond' && onRefusal !== 'next') {
    throw badOption(
      `"onRefusal" must be "respond" (answer with a problem+json refusal) or "next" (call next(error)); received ${JSON.stringify(onRefusal)}.`,
    );
  }
  return {
    required: typeof required === 'function' ? required : required ? always : never,
    onRefusal,
  };
}
