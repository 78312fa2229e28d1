import { isPassportError, type PassportError } from './errors.js';
import { optionError } from './option-checks.js';
import type { PassportFields } from './passport.js';
import type { ExtractOptions, HeaderCarrier } from './relay.js';
import type { RelayContext } from './relay-context.js';

/**
 * The part of a relay an inbound adapter uses; every `Relay<T>` has it.
 *
 * @example
 * ```ts
 * function middleware<T extends object>(relay: InboundRelay<T>) {
 *   return (req, res, next) => runNodeRequest(relay, relay.extract(req.headers), req, res, next);
 * }
 * ```
 */
export interface InboundRelay<T extends object = PassportFields> {
  extract(carrier: HeaderCarrier, options?: ExtractOptions): RelayContext<T>;
  runWith<R>(context: RelayContext<T>, fn: () => R): R;
  bind<F extends (...args: never[]) => unknown>(fn: F): F;
  currentContext(): RelayContext<T> | undefined;
}

/**
 * Whether a request must carry a passport: a constant, or decided per request.
 *
 * @example
 * ```ts
 * const required: Requirement<IncomingMessage> = (req) => req.url !== '/healthz';
 * ```
 */
export type Requirement<Req> = boolean | ((request: Req) => boolean);

const always = () => true;
const never = () => false;

/**
 * Check a `required` option once, at start-up, and turn it into a predicate.
 *
 * @param fallback Used when `value` is `undefined`.
 * @example
 * ```ts
 * const required = requirement('passportRelay (express)', options.required, false);
 * relay.extract(req.headers, { required: required(req) });
 * ```
 */
export function requirement<Req>(
  where: string,
  value: unknown,
  fallback: boolean,
): (request: Req) => boolean {
  const given = value ?? fallback;
  if (typeof given === 'function') return given as (request: Req) => boolean;
  if (typeof given === 'boolean') return given ? always : never;
  throw optionError(
    where,
    `"required" must be a boolean or a function (request) => boolean, e.g. (req) => req.url !== '/healthz'; received ${typeof given}.`,
  );
}

// The two extract options admit passes, made once: an options object per request was garbage.
const REQUIRED: ExtractOptions = Object.freeze({ required: true });
const OPTIONAL: ExtractOptions = Object.freeze({ required: false });

/**
 * The inbound decision for one request: its context, or the `PassportError` it is refused with.
 * Anything that is not a refusal (a bug) is thrown, for the framework's error handling.
 *
 * @example
 * ```ts
 * const outcome = admit(relay, req.headers, required(req));
 * if (isPassportError(outcome)) return writeRefusal(res, outcome);
 * runNodeRequest(relay, outcome, req, res, next);
 * ```
 */
export function admit<T extends object>(
  relay: InboundRelay<T>,
  headers: HeaderCarrier,
  required: boolean,
): RelayContext<T> | PassportError {
  try {
    return relay.extract(headers, required ? REQUIRED : OPTIONAL);
  } catch (error) {
    if (isPassportError(error)) return error;
    throw error;
  }
}

/** Something with Node's `EventEmitter.emit`: an `IncomingMessage` or a `ServerResponse`. */
interface Emitter {
  emit(event: string | symbol, ...args: unknown[]): boolean;
  listenerCount?(event: string | symbol): number;
}

/**
 * Run `fn` (the rest of the request: `next()`, the hook's `done()`) in `context`, with every
 * listener of the request's and response's events bound to it. Stream events fire in the HTTP
 * parser's async scope, not the request's: without the binding, a body read with
 * `req.on('data'/'end')`, or a `res.on('close')` access log, would run without the passport.
 *
 * @example
 * ```ts
 * return function middleware(req, res, next) {
 *   const outcome = admit(relay, req.headers, required(req));
 *   if (isPassportError(outcome)) return writeRefusal(res, outcome);
 *   runNodeRequest(relay, outcome, req, res, next);
 * };
 * ```
 */
export function runNodeRequest<T extends object, R>(
  relay: InboundRelay<T>,
  context: RelayContext<T>,
  req: Emitter,
  res: Emitter | undefined,
  fn: () => R,
): R {
  bindEmits(relay, context, req, res);
  return relay.runWith(context, fn);
}

/**
 * Make `req.emit` and `res.emit` run their listeners in `context`. One function serves both
 * emitters: a request allocates one closure, where a `relay.bind` per emitter and a wrapper
 * around `fn` made three. An emit from inside the context (the handler's own) calls the original
 * directly; entering the context again would only allocate a new async context frame.
 */
function bindEmits<T extends object>(
  relay: InboundRelay<T>,
  context: RelayContext<T>,
  req: Emitter,
  res: Emitter | undefined,
): void {
  const reqEmit = req.emit;
  const resEmit = res?.emit;
  function emitInContext(this: Emitter, event: string | symbol): boolean {
    const emit = resEmit !== undefined && this === res ? resEmit : reqEmit;
    // `arguments`, not a rest parameter and a spread: no array per emit.
    // biome-ignore lint/complexity/noArguments: forwards every argument of the emit, allocation-free
    const args = arguments as unknown as unknown[];
    // In the context already, or no listener to run (nothing could see the context): the original
    // emit, without entering the context (a closure and an async context frame per emit).
    if (relay.currentContext() === context || this.listenerCount?.(event) === 0) {
      return emit.apply(this, args as never);
    }
    return relay.runWith(context, () => emit.apply(this, args as never));
  }
  req.emit = emitInContext;
  if (res !== undefined) res.emit = emitInContext;
}

export type { PassportError };
