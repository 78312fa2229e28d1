import { UseGuards } from '@nestjs/common';
import { PassportRequiredGuard } from './passport-required.guard.js';

/**
 * Requires a verified passport on a route, or on every route of a controller: a request without
 * one is refused with 401 `ERR_PASSPORT_MISSING` (an invalid passport is refused earlier, by the
 * middleware) and the handler never runs. Shorthand for `@UseGuards(PassportRequiredGuard)`.
 *
 * @example
 * ```ts
 * @RequirePassport()
 * @Controller('orders')
 * export class OrdersController {
 *   @Get()
 *   list(@CurrentPassport('sub') userId: string) {}
 * }
 * ```
 */
export function RequirePassport(): ClassDecorator & MethodDecorator {
  return UseGuards(PassportRequiredGuard);
}
