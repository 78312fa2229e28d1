import type { PassportFields, Relay } from '@passport-relay/core';
import { passportLogFields } from './internal/passport-log-fields.js';
import type { PassportLogOptions } from './options.js';

/**
 * A winston (logform) format: an object with `transform`, which `format.combine` accepts.
 * @example
 * ```ts
 * const format: PassportLogFormat = winstonPassportFormat(relay);
 * winston.format.combine(format, winston.format.json());
 * ```
 */
export interface PassportLogFormat {
  transform<I extends Record<string | symbol, unknown>>(info: I): I;
}

/**
 * A winston format: every entry logged inside a request (or `relay.run`) gets the caller's `sub`,
 * or the fields you choose, under `passport`. Outside a request it adds nothing; a property the
 * entry already has wins. It reads the verified passport, never the token. Put it before your
 * output format in `format.combine`.
 *
 * @param relay The relay from `createRelay()`.
 * @param options See {@link PassportLogOptions}.
 * @example
 * ```ts
 * import winston from 'winston';
 * import { winstonPassportFormat } from '@passport-relay/logging';
 *
 * const log = winston.createLogger({
 *   format: winston.format.combine(winstonPassportFormat(relay), winston.format.json()),
 *   transports: [new winston.transports.Console()],
 * });
 * ```
 */
export function winstonPassportFormat<T extends object = PassportFields>(
  relay: Relay<T>,
  options?: PassportLogOptions,
): PassportLogFormat {
  const current = passportLogFields('winstonPassportFormat', relay, options);
  return {
    transform(info) {
      for (const [name, value] of Object.entries(current())) {
        if (info[name] === undefined) (info as Record<string, unknown>)[name] = value;
      }
      return info;
    },
  };
}
