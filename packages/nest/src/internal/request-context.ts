import type { Passport, PassportFields, RelayContext } from '@passport-relay/core';

/**
 * The relay context each request was given by the middleware, keyed by the Node request. Kept on
 * `globalThis` under a versioned `Symbol.for` key so that an ESM and a CommonJS copy of this
 * package (the middleware from one, the decorator from the other) see the same entries.
 */
const REGISTRY = Symbol.for('passport-relay.nest.request-contexts.v1');

type Registry = WeakMap<object, RelayContext>;

function registry(): Registry {
  const global = globalThis as typeof globalThis & { [REGISTRY]?: Registry };
  global[REGISTRY] ??= new WeakMap();
  return global[REGISTRY];
}

/**
 * The Node request behind what Nest hands out: Express's request is the Node one, Fastify's wraps
 * it in `raw`, and Nest middleware on Fastify receives the raw one.
 */
function nodeRequest(request: object): object {
  const raw = (request as { raw?: unknown }).raw;
  return typeof raw === 'object' && raw !== null ? raw : request;
}

export function rememberContext(request: object, context: RelayContext): void {
  registry().set(nodeRequest(request), context);
}

/** `undefined` when the middleware did not run for this request. */
export function contextOf<T extends object = PassportFields>(
  request: object,
): RelayContext<T> | undefined {
  return registry().get(nodeRequest(request)) as RelayContext<T> | undefined;
}

export function passportOf<T extends object = PassportFields>(
  request: object,
): Passport<T> | undefined {
  return contextOf<T>(request)?.passport;
}
