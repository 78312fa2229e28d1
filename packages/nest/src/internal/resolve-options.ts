import type { PassportFields } from '@passport-relay/core';
import { assertRelay, checkOptions, optionError } from '@passport-relay/core/adapter';
import type {
  PassportRelayModuleOptions,
  PassportRelayRoute,
  ResolvedPassportRelayOptions,
} from '../options.js';

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
    throw optionError(where, `"${name}" must be true or false; received ${typeof value}.`);
  }
  return value;
}

/** Check the module options once, at start-up, and fill in the defaults. */
export function resolveOptions<T extends object = PassportFields>(
  options: PassportRelayModuleOptions<T>,
  where: string,
): ResolvedPassportRelayOptions<T> {
  checkOptions(where, options, {
    known: ['relay', 'required', 'mount', 'exclude'],
    example: '{ relay: createRelay({ codec }) }',
    required: true,
  });
  assertRelay(options.relay, where, 'relay');
  const exclude = options.exclude ?? [];
  if (!Array.isArray(exclude) || !exclude.every(isRoute)) {
    throw optionError(
      where,
      `"exclude" must be a list of paths ('health') or RouteInfo objects ({ path: 'health', method: RequestMethod.GET }).`,
    );
  }
  return Object.freeze({
    relay: options.relay,
    required: flag(where, 'required', options.required, false),
    mount: flag(where, 'mount', options.mount, true),
    exclude: Object.freeze([...exclude]),
  });
}
