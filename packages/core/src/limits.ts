import { badOption } from './errors.js';

/**
 * Bounds on what an inbound passport may be. Inbound values are hostile; these keep work bounded.
 *
 * @example
 * ```ts
 * createRelay({ codec, limits: { maxHeaderBytes: 8192 } satisfies PassportLimits });
 * ```
 */
export interface PassportLimits {
  /**
   * Largest accepted header value in bytes; larger values are refused with 431.
   * @default 4096
   */
  readonly maxHeaderBytes?: number;
  /**
   * Most top-level claims a passport may have.
   * @default 64
   */
  readonly maxClaims?: number;
  /**
   * Deepest nesting of objects and arrays inside a passport (the passport itself is depth 1).
   * @default 5
   */
  readonly maxDepth?: number;
}

export type ResolvedLimits = Required<PassportLimits>;

/**
 * @example
 * ```ts
 * createRelay({ codec, limits: { ...DEFAULT_LIMITS, maxHeaderBytes: 8192 } });
 * ```
 */
export const DEFAULT_LIMITS: ResolvedLimits = Object.freeze({
  maxHeaderBytes: 4096,
  maxClaims: 64,
  maxDepth: 5,
});

function integerIn(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw badOption(`limits.${name} must be an integer from ${min} to ${max}; received ${value}.`);
  }
  return value;
}

export function resolveLimits(limits: PassportLimits = {}): ResolvedLimits {
  return Object.freeze({
    maxHeaderBytes: integerIn(
      'maxHeaderBytes',
      limits.maxHeaderBytes ?? DEFAULT_LIMITS.maxHeaderBytes,
      64,
      65536,
    ),
    maxClaims: integerIn('maxClaims', limits.maxClaims ?? DEFAULT_LIMITS.maxClaims, 1, 1024),
    maxDepth: integerIn('maxDepth', limits.maxDepth ?? DEFAULT_LIMITS.maxDepth, 1, 32),
  });
}
