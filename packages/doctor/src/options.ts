import type { UndecidedRequest } from './undecided-request.js';

/**
 * Options of {@link installPropagationDoctor}.
 * @example
 * ```ts
 * installPropagationDoctor(relay, { warn: process.env.NODE_ENV !== 'production' });
 * ```
 */
export interface PropagationDoctorOptions {
  /**
   * Warn about undecided requests, for development: `true` emits a process warning
   * (`PASSPORT_RELAY_UNDECIDED`) once per origin; a function receives every finding instead.
   * @default false
   */
  readonly warn?: boolean | ((finding: UndecidedRequest) => void);
  /**
   * How many findings {@link PropagationDoctor.undecided} keeps (the oldest go first); counts are
   * never capped.
   * @default 100
   */
  readonly keep?: number;
}
