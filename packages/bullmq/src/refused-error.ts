import type { PassportError, PassportErrorCode } from '@passport-relay/core';
import { UnrecoverableError } from 'bullmq';

/**
 * The error a job fails with when its passport is refused. It is BullMQ's `UnrecoverableError`,
 * so the job fails at once and is never retried; `failedReason` starts with the code
 * (`ERR_PASSPORT_EXPIRED: ...`), and `cause` is the core `PassportError`.
 *
 * @example
 * ```ts
 * worker.on('failed', (job, error) => {
 *   if (error instanceof PassportJobRefusedError) audit(job?.id, error.code);
 * });
 * ```
 */
export class PassportJobRefusedError extends UnrecoverableError {
  /** Why the passport was refused. */
  readonly code: PassportErrorCode;
  /** The HTTP status the code maps to (401 for most). */
  readonly status: number;
  override readonly cause: PassportError;

  constructor(error: PassportError) {
    super(`${error.code}: ${error.message}`);
    // BullMQ recognises an unrecoverable error by class or by this name; the name still works
    // when the app loads bullmq twice (an ESM and a CommonJS copy) and the class check does not.
    this.name = 'UnrecoverableError';
    this.code = error.code;
    this.status = error.status;
    this.cause = error;
  }
}
