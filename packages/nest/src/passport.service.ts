import { Inject, Injectable } from '@nestjs/common';
import type { Passport, PassportFields, Relay } from '@passport-relay/core';
import { PASSPORT_RELAY } from './tokens.js';

/**
 * The caller's passport for providers, without passing it along: a singleton that reads the
 * relay's context, so it is injectable anywhere (no request scope) and answers for the request
 * being served.
 *
 * @example
 * ```ts
 * @Injectable()
 * export class OrdersService {
 *   constructor(@Inject(PassportService) private readonly passports: PassportService) {}
 *
 *   list() {
 *     return this.repository.findBy({ owner: this.passports.require().sub });
 *   }
 * }
 * ```
 */
@Injectable()
export class PassportService<T extends object = PassportFields> {
  constructor(
    /** The module's relay, for `bind`, `run`, `inject` and the outbound decisions. */
    @Inject(PASSPORT_RELAY) readonly relay: Relay<T>,
  ) {}

  /**
   * The caller's passport, or `undefined` outside a request or for one without a passport.
   * @example
   * ```ts
   * const userId = this.passports.current()?.sub;
   * ```
   */
  current(): Passport<T> | undefined {
    return this.relay.current();
  }

  /**
   * The caller's passport; throws `ERR_PASSPORT_MISSING`, which the module answers with 401.
   * @example
   * ```ts
   * const { sub } = this.passports.require();
   * ```
   */
  require(): Passport<T> {
    return this.relay.require();
  }
}
