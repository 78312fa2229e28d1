import { PassportError, type PassportFields } from '@passport-relay/core';
import type {
  PassportRelayModuleOptions,
  PassportRelayRoute,
  ResolvedPassportRelayOptions,
} from '../options.js';

const KNOWN_OPTIONS = new Set(['relay', 'required', 'mount', 'exclude']);

function badOption(message: string): PassportError {
  return new PassportError('ERR_PASSPORT_OPTIONS', message);
}

function isRelay(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const relay = value as Record<string, unknown>;
  return (
    typeof relay.extract === 'function' &&
    typeof relay.runWith === 'function' &&
    typeof relay.current === 'function'
  );
}

function isRoute(value: unknown): value is PassportRelayRoute {
  if (typeof value === 'string') return value.length > 0;
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { path?: unknown }).path === 'string' &&
    typeof (value as { method?: unknown }).method === 'number'
  );
}

function flag(where: string, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw badOption(`${where}: "${name}" must be true or false; received ${typeof value}.`);
  }
  return value;
}

/** Check the module options once, at start-up, and fill in the defaults. */
export function resolveOptions<T extends object = PassportFields>(
  options: PassportRelayModuleOptions<T>,
  where: string,
): ResolvedPassportRelayOptions<T> {
  if (typeof options !== 'object' || options === null) {
    throw badOption(
      `${where} needs an options object with the relay, e.g. { relay: createRelay({ codec }) }.`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) {
      throw badOption(
        `${where}: unknown option "${key}"; known options are ${[...KNOWN_OPTIONS].join(', ')}.`,
      );
    }
  }
  if (!isRelay(options.relay)) {
    throw badOption(
      `${where}: "relay" is required and must be the relay from createRelay({ codec }) in @passport-relay/core (received ${options.relay === null ? 'null' : typeof options.relay}).`,
    );
  }
  const exclude = options.exclude ?? [];
  if (!Array.isArray(exclude) || !exclude.every(isRoute)) {
    throw badOption(
      `${where}: "exclude" must be a list of paths ('health') or RouteInfo objects ({ path: 'health', method: RequestMethod.GET }).`,
    );
  }
  return Object.freeze({
    relay: options.relay,
    required: flag(where, 'required', options.required, false),
    mount: flag(where, 'mount', options.mount, true),
    exclude: Object.freeze([...exclude]),
  });
}
