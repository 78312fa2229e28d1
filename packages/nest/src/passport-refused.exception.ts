import { HttpException } from '@nestjs/common';
import {
  type PassportError,
  type PassportProblem,
  type RefusalResponse,
  refusalResponse,
  toProblem,
} from '@passport-relay/core';

const brand = Symbol.for('passport-relay.nest.PassportRefusedException');

/**
 * A refused passport as a Nest `HttpException`: its status is the refusal's (401, 400 for two
 * passports, 431 for an oversized one) and its response is exactly core's RFC 9457 problem body,
 * which never contains the token. `PassportRefusalFilter` (registered by `PassportRelayModule`)
 * answers it with `application/problem+json` and, for 401, `WWW-Authenticate`; your own filters
 * can catch it and use {@link PassportRefusedException.refusal}.
 *
 * `instanceof` holds across duplicate installs of this package (ESM and CommonJS copies).
 *
 * @example
 * ```ts
 * @Catch(PassportRefusedException)
 * export class AuditRefusals implements ExceptionFilter {
 *   catch(exception: PassportRefusedException, host: ArgumentsHost) {
 *     audit.warn(exception.error.code);
 *     const { status, headers, body } = exception.refusal;
 *     host.switchToHttp().getResponse<Response>().status(status).set(headers).send(body);
 *   }
 * }
 * ```
 */
export class PassportRefusedException extends HttpException {
  /** The refusal from core: `code`, `status`, and a message without the token. */
  readonly error: PassportError;
  /** The full response every passport-relay adapter answers with: status, headers and body. */
  readonly refusal: RefusalResponse;

  constructor(error: PassportError) {
    const problem: PassportProblem = toProblem(error);
    super(problem, error.status, { cause: error, description: problem.title });
    this.name = 'PassportRefusedException';
    this.message = error.message;
    this.error = error;
    this.refusal = refusalResponse(error);
  }

  /** The problem document this exception answers with (the same object Nest serialises). */
  override getResponse(): PassportProblem {
    return super.getResponse() as PassportProblem;
  }

  /** Branded so that `instanceof` holds for exceptions created by another copy of this package. */
  get [brand](): true {
    return true;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[brand] === true
    );
  }
}
