import type { IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';

type Handler = Dispatcher.DispatchHandler;
type RawHeaders = readonly (Buffer | string | readonly (Buffer | string)[])[];

/** The callbacks of undici's older handler interface, as undici 6 calls them. */
export interface OlderInterfaceHandler {
  onConnect(abort: (reason?: Error) => void, context?: unknown): void;
  onUpgrade(statusCode: number, rawHeaders: RawHeaders, socket: Duplex): void;
  onHeaders(
    statusCode: number,
    rawHeaders: RawHeaders,
    resume: () => void,
    statusMessage?: string,
  ): boolean;
  onData(chunk: Buffer): boolean;
  onComplete(rawTrailers: RawHeaders | null): void;
  onError(error: Error): void;
}

function text(value: Buffer | string): string {
  return typeof value === 'string' ? value : value.toString('latin1');
}

/** Raw `[name, value, ...]` headers as the newer interface passes them: lower-case names, repeats in an array. */
function parseRawHeaders(raw: RawHeaders | null | undefined): IncomingHttpHeaders {
  const headers: Record<string, string | string[]> = Object.create(null);
  if (raw === null || raw === undefined) return headers;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = text(raw[i] as Buffer | string).toLowerCase();
    const rawValue = raw[i + 1] as Buffer | string | readonly (Buffer | string)[];
    const values = Array.isArray(rawValue)
      ? rawValue.map(text)
      : [text(rawValue as Buffer | string)];
    const existing = headers[name];
    if (existing === undefined)
      headers[name] = values.length === 1 ? (values[0] as string) : values;
    else headers[name] = [...(Array.isArray(existing) ? existing : [existing]), ...values];
  }
  return headers as IncomingHttpHeaders;
}

/** The controller a newer-interface handler steers the request with, on top of `abort` and `resume`. */
class Controller implements Dispatcher.DispatchController {
  #aborted = false;
  #paused = false;
  #reason: Error | null = null;
  readonly #abort: (reason?: Error) => void;
  resumeResponse: (() => void) | undefined;

  constructor(abort: (reason?: Error) => void) {
    this.#abort = abort;
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  get paused(): boolean {
    return this.#paused;
  }

  get reason(): Error | null {
    return this.#reason;
  }

  abort(reason: Error): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#abort(reason);
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.resumeResponse?.();
  }
}

/**
 * Drives a handler of undici's newer interface (`onRequestStart`, `onResponseStart`, ...) from a
 * dispatcher that speaks only the older one (`onConnect`, `onHeaders`, ...): the undici 6 `Agent`
 * Node 20 and 22 make for their built-in `fetch` when `fetch` runs before npm undici is loaded.
 * undici 7 converted such handlers inside its own dispatchers; undici 6 never did, and undici 8
 * removed the conversion, so handlers made by undici 7's or 8's interceptors (`interceptors.redirect`)
 * need it here to reach that `Agent`.
 */
class NewerToOlderHandler implements OlderInterfaceHandler {
  readonly #handler: Handler;
  #controller: Controller | undefined;

  constructor(handler: Handler) {
    this.#handler = handler;
  }

  #current(): Controller {
    this.#controller ??= new Controller(() => {});
    return this.#controller;
  }

  onConnect(abort: (reason?: Error) => void, context?: unknown): void {
    this.#controller = new Controller(abort);
    this.#handler.onRequestStart?.(this.#controller, context);
  }

  onUpgrade(statusCode: number, rawHeaders: RawHeaders, socket: Duplex): void {
    this.#handler.onRequestUpgrade?.(
      this.#current(),
      statusCode,
      parseRawHeaders(rawHeaders),
      socket,
    );
  }

  onHeaders(
    statusCode: number,
    rawHeaders: RawHeaders,
    resume: () => void,
    statusMessage?: string,
  ): boolean {
    const controller = this.#current();
    controller.resumeResponse = resume;
    this.#handler.onResponseStart?.(
      controller,
      statusCode,
      parseRawHeaders(rawHeaders),
      statusMessage,
    );
    return !controller.paused;
  }

  onData(chunk: Buffer): boolean {
    const controller = this.#current();
    this.#handler.onResponseData?.(controller, chunk);
    return !controller.paused;
  }

  onComplete(rawTrailers: RawHeaders | null): void {
    this.#handler.onResponseEnd?.(this.#current(), parseRawHeaders(rawTrailers));
  }

  onError(error: Error): void {
    if (typeof this.#handler.onResponseError !== 'function') throw error;
    this.#handler.onResponseError(this.#current(), error);
  }
}

/** `handler` in undici's older interface: itself when it is one already. */
export function toOlderInterface(handler: Handler): Handler {
  return typeof handler.onRequestStart === 'function'
    ? (new NewerToOlderHandler(handler) as unknown as Handler)
    : handler;
}
