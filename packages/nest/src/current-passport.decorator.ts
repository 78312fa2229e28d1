import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { passportOf } from './internal/request-context.js';

const currentPassport = createParamDecorator(
  (field: string | undefined, context: ExecutionContext): unknown => {
    const passport = passportOf(context.switchToHttp().getRequest<object>());
    return field === undefined ? passport : passport?.[field];
  },
);

/**
 * Injects the caller's verified passport into a route handler parameter, or one of its fields with
 * `@CurrentPassport('tenant')`. `undefined` for a request without a passport (pair it with
 * `@RequirePassport()` where one is needed) and on routes the passport middleware does not cover.
 * HTTP only (Express and Fastify platforms).
 *
 * @param field One top-level field of the passport (`sub`, `tenant`, `roles`, ...).
 * @default field the whole passport
 * @example
 * ```ts
 * @Get('orders')
 * @RequirePassport()
 * list(@CurrentPassport() passport: Passport, @CurrentPassport('tenant') tenant: string) {
 *   return this.orders.list(passport.sub, tenant);
 * }
 * ```
 */
export function CurrentPassport(field?: string): ParameterDecorator {
  return currentPassport(field);
}
