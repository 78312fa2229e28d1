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
    const history = (context as { history?: unknown } | undefined)?.history;
    if (Array.isArray(history) && history.length > 0) {
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
