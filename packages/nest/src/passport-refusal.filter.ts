import type { ServerResponse } from 'node:http';
import { type ArgumentsHost, Catch, Inject, Optional } from '@nestjs/common';
import { BaseExceptionFilter, HttpAdapterHost } from '@nestjs/core';
import {
  isPassportError,
  PassportError,
  type RefusalResponse,
  refusalResponse,
} from '@passport-relay/core';
import { PassportRefusedException } from './passport-refused.exception.js';

/** What Nest hands a filter as the response: Express's, Fastify's reply, or the raw Node one. */
interface FastifyReplyLike {
  readonly raw: ServerResponse;
  readonly sent: boolean;
  code(status: number): FastifyReplyLike;
  headers(values: Record<string, string>): FastifyReplyLike;
  send(body: Buffer): unknown;
}

function isFastifyReply(response: unknown): response is FastifyReplyLike {
  const reply = response as Partial<FastifyReplyLike>;
  return (
    typeof reply.code === 'function' &&
    typeof reply.headers === 'function' &&
    typeof reply.raw === 'object'
  );
}

/** Codes that report this service's configuration, not the request: never shown to the caller. */
const MISCONFIGURATION: ReadonlySet<string> = new Set([
  'ERR_PASSPORT_OPTIONS',
  'ERR_PASSPORT_CANNOT_ISSUE',
]);

/** The refusal to answer `exception` with, or `undefined` when it is not a refusal. */
function refusalOf(exception: unknown): RefusalResponse | undefined {
  if (exception instanceof PassportRefusedException) return exception.refusal;
  if (isPassportError(exception) && !MISCONFIGURATION.has(exception.code)) {
    return refusalResponse(exception);
  }
  return undefined;
}

function writeRefusal(response: unknown, { status, headers, body }: RefusalResponse): void {
  if (isFastifyReply(response)) {
    // A Buffer keeps the content type exactly as given (Fastify adds a charset to JSON strings).
    if (!response.sent) {
      response
        .code(status)
        .headers({ ...headers })
        .send(Buffer.from(body));
    }
    return;
  }
  // Express's response is a Node `ServerResponse`; Nest middleware on Fastify gets the raw one.
  const node = response as ServerResponse;
  if (node.headersSent) {
    node.end();
    return;
  }
  node.writeHead(status, headers).end(body);
}

/**
 * Answers a refused passport exactly as every passport-relay adapter does: the refusal's status,
 * `application/problem+json`, `WWW-Authenticate` for 401, and core's problem body (never the
 * token). Catches {@link PassportRefusedException} and a `PassportError` thrown by your own code
 * (`relay.require()` in a service answers 401); a misconfiguration (`ERR_PASSPORT_OPTIONS`,
 * `ERR_PASSPORT_CANNOT_ISSUE`) gets Nest's default 500, its detail withheld. Works with `@nestjs/platform-express` and `@nestjs/platform-fastify`.
 *
 * `PassportRelayModule` registers it globally; register it yourself only without the module.
 *
 * @example
 * ```ts
 * app.useGlobalFilters(new PassportRefusalFilter(app.get(HttpAdapterHost)));
 * ```
 */
@Catch(PassportRefusedException, PassportError)
export class PassportRefusalFilter extends BaseExceptionFilter {
  /**
   * @param adapterHost Nest's HTTP adapter host, used only for the exceptions this filter passes
   * on to Nest's default handling. Nest injects it when it creates the filter.
   */
  constructor(@Optional() @Inject(HttpAdapterHost) adapterHost?: HttpAdapterHost) {
    super();
    // Read lazily by BaseExceptionFilter: the adapter is set after the module is compiled.
    (this as unknown as { httpAdapterHost: HttpAdapterHost | undefined }).httpAdapterHost =
      adapterHost;
  }

  override catch(exception: unknown, host: ArgumentsHost): void {
    const refusal = host.getType() === 'http' ? refusalOf(exception) : undefined;
    if (refusal === undefined) {
      super.catch(exception, host);
      return;
    }
    writeRefusal(host.switchToHttp().getResponse(), refusal);
  }
}
