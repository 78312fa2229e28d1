import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { PassportError } from '@passport-relay/core';
import { optionError } from '@passport-relay/core/adapter';
import { contextOf } from './internal/request-context.js';
import { PassportRefusedException } from './passport-refused.exception.js';

/**
 * Lets a request through only when it carries a verified passport; otherwise throws
 * {@link PassportRefusedException} with `ERR_PASSPORT_MISSING` (401) and the handler never runs.
 * The passport middleware must cover the route (it does unless `mount: false` or `exclude`):
 * when it did not run, the guard fails with a 500 that says so, rather than a misleading 401.
 * Usually applied with `@RequirePassport()`.
 *
 * @example
 * ```ts
 * @UseGuards(PassportRequiredGuard)
 * @Controller('orders')
 * export class OrdersController {}
 * ```
 */
@Injectable()
export class PassportRequiredGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const relayContext = contextOf(context.switchToHttp().getRequest<object>());
    if (relayContext === undefined) {
      throw optionError(
        'PassportRequiredGuard',
        'the passport middleware did not run for this request. Import PassportRelayModule.forRoot({ relay }) and make sure the route is not in "exclude", or apply PassportRelayMiddleware to it when "mount" is false.',
      );
    }
    if (relayContext.passport !== undefined) return true;
    throw new PassportRefusedException(
      new PassportError(
        'ERR_PASSPORT_MISSING',
        'This request carries no passport, and this route requires one.',
      ),
    );
  }
}
