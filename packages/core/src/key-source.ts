import type { JsonWebKey } from 'node:crypto';
import type { SigningKey, VerificationKey } from './keys.js';

/**
 * A set of verification keys, shaped like a JWKS: `{ keys: [...] }`.
 *
 * @example
 * ```ts
 * const set: VerificationKeySet = { keys: [{ kty: 'OKP', crv: 'Ed25519', x, kid: '2026-11' }] };
 * ```
 */
export interface VerificationKeySet {
  readonly keys: readonly (VerificationKey | JsonWebKey)[];
}

/**
 * Where a {@link signedCodec} takes its verification keys from when they can change while the
 * process runs: a remote JWKS ({@link remoteJwks}) or the edge's own key ring.
 *
 * The codec calls {@link VerificationKeySource.currentKeys} on every verification, so it must be
 * synchronous and cheap; it rebuilds its verifiers only when the returned object changes.
 *
 * @example
 * ```ts
 * let keys: VerificationKeySet = { keys: [publicJwk] };
 * const source: VerificationKeySource = { currentKeys: () => keys };
 * const codec = signedCodec({ issuer, keys: source });
 * keys = { keys: [publicJwk, nextPublicJwk] }; // the codec trusts both from the next request on
 * ```
 */
export interface VerificationKeySource {
  /**
   * The keys trusted now. Return the same object until the keys change. `undefined` while no key
   * was ever loaded: passports are then refused with `ERR_PASSPORT_UNAVAILABLE` (503).
   */
  currentKeys(): VerificationKeySet | undefined;
  /**
   * Told when a passport names a key that {@link VerificationKeySource.currentKeys} lacks, so a
   * remote source can refresh (within its own cooldown). Must not throw; the passport is refused
   * either way.
   */
  keyUnknown?(): void;
}

/**
 * Where a {@link signedCodec} takes its signing key from when it changes while the process runs
 * (the edge's key ring during a rotation).
 *
 * @example
 * ```ts
 * const source: SigningKeySource = { currentSigningKey: () => ring.active() };
 * ```
 */
export interface SigningKeySource {
  /** The key to sign with now. Return the same object until it changes. */
  currentSigningKey(): SigningKey;
}

/** Whether `value` is a {@link VerificationKeySource} rather than keys. */
export function isVerificationKeySource(value: unknown): value is VerificationKeySource {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as VerificationKeySource).currentKeys === 'function'
  );
}

/** Whether `value` is a {@link SigningKeySource} rather than a key. */
export function isSigningKeySource(value: unknown): value is SigningKeySource {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as SigningKeySource).currentSigningKey === 'function'
  );
}
