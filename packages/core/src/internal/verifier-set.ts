import type { JsonWebKey } from 'node:crypto';
import { badOption, refuse } from '../errors.js';
import { isVerificationKeySource, type VerificationKeySet } from '../key-source.js';
import {
  type PassportAlgorithm,
  type ResolvedVerifier,
  resolveVerifier,
  type VerificationKey,
} from '../keys.js';

/** Verifiers ready to check signatures, and the algorithms they allow. */
export interface VerifierSet {
  readonly verifiers: readonly ResolvedVerifier[];
  readonly algorithms: ReadonlySet<PassportAlgorithm>;
}

/** The codec's view of its keys: the set trusted now, and a hook for a `kid` it lacks. */
export interface Verifiers {
  /** The set trusted now; the same object until the keys change. Throws when there is none. */
  current(): VerifierSet;
  /** Whether the keys were ever loaded (a `kid` not found is then really unknown). */
  readonly remote: boolean;
  keyUnknown(): void;
}

type KeysOption = readonly VerificationKey[] | { readonly keys: readonly JsonWebKey[] } | unknown;

/** Resolve a list of keys; throws `ERR_PASSPORT_OPTIONS` on a bad key or a repeated `kid`. */
export function resolveVerifierSet(
  keyList: readonly (VerificationKey | JsonWebKey)[],
  where: string,
): VerifierSet {
  const verifiers = keyList.map((key, index) =>
    resolveVerifier(key as VerificationKey, `${where}[${index}]`),
  );
  const kids = verifiers.flatMap((verifier) => (verifier.kid === undefined ? [] : [verifier.kid]));
  if (new Set(kids).size !== kids.length) {
    throw badOption(`${where}: two keys share a "kid"; each key needs its own.`);
  }
  return { verifiers, algorithms: new Set(verifiers.map((verifier) => verifier.alg)) };
}

/**
 * The keys option of `signedCodec`: a fixed list or JWKS (resolved once, here), or a
 * {@link VerificationKeySource} (re-resolved whenever the source hands out a new set).
 */
export function verifiersFrom(keys: KeysOption, where: string): Verifiers {
  if (isVerificationKeySource(keys)) {
    const source = keys;
    let seen: VerificationKeySet | undefined;
    let resolved: VerifierSet | undefined;
    return {
      remote: true,
      current() {
        const set = source.currentKeys();
        if (set !== seen) {
          // A source validates what it hands out; a key it got wrong is skipped, never trusted.
          const usable = (set?.keys ?? []).filter((key, index) => {
            try {
              resolveVerifier(key as VerificationKey, `${where}.keys[${index}]`);
              return true;
            } catch {
              return false;
            }
          });
          seen = set;
          resolved = usable.length === 0 ? undefined : resolveVerifierSet(usable, where);
        }
        if (resolved === undefined) {
          throw refuse(
            'ERR_PASSPORT_UNAVAILABLE',
            'The keys that verify passports have not been loaded yet; try again shortly.',
          );
        }
        return resolved;
      },
      keyUnknown() {
        try {
          source.keyUnknown?.();
        } catch {
          // A source that fails to refresh keeps its last good keys; the passport is refused anyway.
        }
      },
    };
  }
  const keyList = Array.isArray(keys) ? keys : (keys as { keys?: readonly JsonWebKey[] })?.keys;
  if (!Array.isArray(keyList) || keyList.length === 0) {
    throw badOption(
      `${where}: "keys" must list at least one verification key (an Ed25519 public key or an HS256 secret), be a JWKS { keys: [...] }, or a key source such as remoteJwks(url).`,
    );
  }
  const fixed = resolveVerifierSet(keyList, `${where}: keys`);
  return { remote: false, current: () => fixed, keyUnknown() {} };
}
