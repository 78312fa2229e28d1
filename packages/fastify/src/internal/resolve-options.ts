import { PassportError, type Relay } from '@passport-relay/core';
import type { FastifyRequest } from 'fastify';
import type { FastifyRelayOptions, PassportHook } from '../options.js';

/** Options after validation: what the hooks read on every request. */
export interface ResolvedOptions {
  readonly relay: Relay<object>;
  readonly required: (request: FastifyRequest) => boolean;
  readonly onRefusal: 'respond' | 'error';
  readonly hook: PassportHook;
}

const KNOWN_OPTIONS = new Set(['relay', 'required', 'onRefusal', 'hook']);
const HOOKS: ReadonlySet<string> = new Set([
  'onRequest',
  'preParsing',
  'preValidation',
  'preHandler',
]);
const always = () => true;
const never = () => false;

/** A misconfiguration, reported when the plugin is registered. */
export function badOption(message: string): PassportError {
  return new PassportError('ERR_PASSPORT_OPTIONS', `@passport-relay/fastify: ${message}`);
}

/** Validate the plugin options once, at registration. */
export function resolveOptions(options: FastifyRelayOptions | undefined): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw badOption('register the plugin with options: app.register(passportRelay, { relay }).');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) {
      throw badOption(
        `unknown option "${key}"; known options are ${[...KNOWN_OPTIONS].join(', ')}.`,
      );
    }
  }
  const { relay, required = false, onRefusal = 'respond', hook = 'onRequest' } = options;
  if (
    typeof relay !== 'object' ||
    relay === null ||
    typeof relay.extract !== 'function' ||
    typeof relay.runWith !== 'function'
  ) {
    throw badOption('"relay" is required: the relay from createRelay({ codec, ... }).');
  }
  if (typeof required !== 'boolean' && typeof required !== 'function') {
    throw badOption('"required" must be a boolean or a function (request) => boolean.');
  }
  if (onRefusal !== 'respond' && onRefusal !== 'error') {
    throw badOption(
      `"onRefusal" must be "respond" (reply with a problem+json refusal) or "error" (hand it to the error handler); received ${JSON.stringify(onRefusal)}.`,
    );
  }
  if (!HOOKS.has(hook)) {
    throw badOption(
      `"hook" must be one of ${[...HOOKS].join(', ')}; received ${JSON.stringify(hook)}.`,
    );
  }
  return {
    relay,
    required: typeof required === 'function' ? required : required ? always : never,
    onRefusal,
    hook,
  };
}
