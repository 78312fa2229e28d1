import type { IstioManifestOptions } from './options.js';

const BRAND = Symbol.for('passport-relay.istio.IstioOptionsError');

/**
 * A manifest option is missing, malformed, or does not fit the chosen mode. Thrown before any
 * manifest is built, with a message that says how to fix it.
 *
 * `option` names the offending option (the CLI maps it to its flag); `instanceof` works across
 * duplicate installs of this package.
 *
 * @example
 * ```ts
 * try {
 *   passportManifests({ namespace: 'Shop' });
 * } catch (error) {
 *   if (error instanceof IstioOptionsError) console.error(error.option, error.reason);
 * }
 * ```
 */
export class IstioOptionsError extends TypeError {
  /** Always `ERR_ISTIO_OPTIONS`. */
  readonly code = 'ERR_ISTIO_OPTIONS' as const;
  /** The option at fault, as named in {@link IstioManifestOptions}. */
  readonly option: keyof IstioManifestOptions | 'options';
  /** What is wrong and how to fix it, without the option's name. */
  readonly reason: string;

  constructor(option: keyof IstioManifestOptions | 'options', reason: string) {
    super(`${option}: ${reason}`);
    this.name = 'IstioOptionsError';
    this.option = option;
    this.reason = reason;
  }

  /** Branded so that `instanceof` holds for errors created by another copy of this package. */
  get [BRAND](): true {
    return true;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[BRAND] === true
    );
  }
}
