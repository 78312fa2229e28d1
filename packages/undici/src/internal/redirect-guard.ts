import type { IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import { PassportError } from '@passport-relay/core';
import type { Dispatcher } from 'undici';

type Handler = Dispatcher.DispatchHandler;
type Controller = Dispatcher.DispatchController;

/** The message of the error a redirect followed inside the interceptor fails with. */
export const REDIRECT_INSIDE_MESSAGE =
  'passport-relay: a redirect was followed by an interceptor composed inside passportInterceptor, ' +
  'so the passport could reach a host off propagateTo; the redirect was not sent. Compose ' +
  'passportInterceptor before the redirect interceptor: ' +
  'agent.compose(passportInterceptor(relay), interceptors.redirect({ maxRedirections: 5 })).';

/** Whether a dispatch context says that this request is a redirect's second or later hop. */
function isRedirectHop(context: unknown): boolean {
  const history = (context as { history?: unknown } | undefined)?.history;
  return Array.isArray(history) && history.length > 0;
}

type Legacy = Record<string, (...args: unknown[]) => unknown>;

/**
 * The callbacks of undici's older handler interface, each forwarded to the handler itself with the
 * arguments undici 6, 7 and 8 call it with. One method each, shared by every guard: no closure per
 * request and no `arguments` object per response chunk.
 */
const FORWARDERS: Record<
  string,
  (this: { readonly handler: Legacy }, ...args: never[]) => unknown
> = {
  onUpgrade(statusCode: unknown, rawHeaders: unknown, socket: unknown) {
    return this.handler.onUpgrade?.(statusCode, rawHeaders, socket);
  },
  onResponseStarted() {
    return this.handler.onResponseStarted?.();
  },
  onHeaders(statusCode: unknown, rawHeaders: unknown, resume: unknown, statusText: unknown) {
    return this.handler.onHeaders?.(statusCode, rawHeaders, resume, statusText);
  },
  onData(chunk: unknown) {
    return this.handler.onData?.(chunk);
  },
  onComplete(rawTrailers: unknown) {
    return this.handler.onComplete?.(rawTrailers);
  },
  onError(error: unknown) {
    return this.handler.onError?.(error);
  },
  onBodySent(chunk: unknown) {
    return this.handler.onBodySent?.(chunk);
  },
  onRequestSent() {
    return this.handler.onRequestSent?.();
  },
};
const LEGACY_CALLBACKS = Object.keys(FORWARDERS);

type LegacyGuardClass = new (handler: Handler) => Handler;

/** One guard class per set of callbacks a handler has (a bit per {@link LEGACY_CALLBACKS} entry). */
const legacyGuardClasses: (LegacyGuardClass | undefined)[] = [];

/**
 * {@link RedirectGuard} for a handler of undici's older interface (`onConnect`, `onHeaders`, ...),
 * which Node's built-in `fetch` and `undici.request` dispatch with. Keeping the handler in that
 * interface matters for speed: undici 7 converts a newer-interface handler's response headers to
 * an object and, for an older handler behind it, back to buffers, on every response.
 *
 * The guard has exactly the callbacks the handler has (undici checks which ones exist), each called
 * on the handler itself; `onConnect` aborts a redirect's later hop, as `onRequestStart` does above.
 * The guard classes are made once per set of callbacks: a request allocates the guard and nothing
 * else (a closure per callback per request, and a rest array per call, were most of what it cost).
 */
export function legacyRedirectGuard(handler: Handler): Handler {
  const legacy = handler as unknown as Legacy;
  let callbacks = 0;
  for (let i = 0; i < LEGACY_CALLBACKS.length; i++) {
    if (typeof legacy[LEGACY_CALLBACKS[i] as string] === 'function') callbacks |= 1 << i;
  }
  let Guard = legacyGuardClasses[callbacks];
  if (Guard === undefined) {
    Guard = legacyGuardClass(callbacks);
    legacyGuardClasses[callbacks] = Guard;
  }
  return new Guard(handler);
}

function legacyGuardClass(callbacks: number): LegacyGuardClass {
  class LegacyRedirectGuard {
    readonly handler: Legacy;

    constructor(handler: Handler) {
      this.handler = handler as unknown as Legacy;
    }

    onConnect(abort: (reason?: Error) => void, context: unknown): unknown {
      if (isRedirectHop(context)) {
        abort(new PassportError('ERR_PASSPORT_OPTIONS', REDIRECT_INSIDE_MESSAGE));
        return;
      }
      return this.handler.onConnect?.(abort, context);
    }
  }
  LEGACY_CALLBACKS.forEach((name, i) => {
    if ((callbacks & (1 << i)) === 0) return;
    Object.defineProperty(LegacyRedirectGuard.prototype, name, {
      value: FORWARDERS[name],
      writable: true,
      configurable: true,
    });
  });
  return LegacyRedirectGuard as unknown as LegacyGuardClass;
}

/**
 * Wraps the handler of a request that carries the passport. undici's redirect interceptor, when
 * composed *inside* ours, re-sends the same headers to every hop without coming back through us,
 * and tells its handler about each hop through `context.history`. A second hop is aborted before
 * its headers are written (`onRequestStart` runs before the request reaches the socket).
 */
export class RedirectGuard implements Handler {
  readonly #handler: Handler;

  constructor(handler: Handler) {
    this.#handler = handler;
  }

  onRequestStart(controller: Controller, context: unknown): void {
    if (isRedirectHop(context)) {
      controller.abort(new PassportError('ERR_PASSPORT_OPTIONS', REDIRECT_INSIDE_MESSAGE));
      return;
    }
    this.#handler.onRequestStart?.(controller, context);
  }

  onRequestUpgrade(
    controller: Controller,
    statusCode: number,
    headers: IncomingHttpHeaders,
    socket: Duplex,
  ): void {
    this.#handler.onRequestUpgrade?.(controller, statusCode, headers, socket);
  }

  onResponseStart(
    controller: Controller,
    statusCode: number,
    headers: IncomingHttpHeaders,
    statusMessage?: string,
  ): void {
    this.#handler.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    this.#handler.onResponseData?.(controller, chunk);
  }

  onResponseEnd(controller: Controller, trailers: IncomingHttpHeaders): void {
    this.#handler.onResponseEnd?.(controller, trailers);
  }

  onResponseError(controller: Controller, error: Error): void {
    this.#handler.onResponseError?.(controller, error);
  }
}
