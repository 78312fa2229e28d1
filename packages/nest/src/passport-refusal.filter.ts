import { type ArgumentsHost, Catch, Inject, Optional } from '@nestjs/common';
import { BaseExceptionFilter, HttpAdapterHost } from '@nestjs/core';
import {
  isPassportError,
  PassportError,
  type RefusalResponse,
  refusalResponse,
} from '@passport-relay/core';
import { writeRefusal } from '@passport-relay/core/adapter';
import { PassportRefusedException } from './passport-refused.exception.js';

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
    // Express's response is a Node one, Fastify's reply is a reply; core's writer answers both.
    writeRefusal(host.switchToHttp().getResponse(), refusal);
  }
}
