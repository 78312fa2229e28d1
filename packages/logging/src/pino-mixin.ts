import type { PassportFields, Relay } from '@passport-relay/core';
import { passportLogFields } from './internal/passport-log-fields.js';
import type { PassportLogOptions } from './options.js';

/**
 * A pino `mixin`: every line logged inside a request (or `relay.run`) gets the caller's `sub`, or
 * the fields you choose, under `passport`. Outside a request it adds nothing. It reads the
 * verified passport, never the token. Fields you pass to a log call win over it, as pino merges
 * the mixin first.
 *
 * @param relay The relay from `createRelay()`.
 * @param options See {@link PassportLogOptions}.
 * @example
 * ```ts
 * import pino from 'pino';
 * import { pinoPassportMixin } from '@passport-relay/logging';
 *
 * const log = pino({ mixin: pinoPassportMixin(relay, { fields: ['sub', 'tenant'] }) });
 * log.info('order placed'); // {"passport":{"sub":"alice","tenant":"t1"},"msg":"order placed",...}
 * ```
 */
export function pinoPassportMixin<T extends object = PassportFields>(
  relay: Relay<T>,
  options?: PassportLogOptions,
): () => object {
  return passportLogFields('pinoPassportMixin', relay, options);
}
