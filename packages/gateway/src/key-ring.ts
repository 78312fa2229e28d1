import { createPrivateKey, createPublicKey, type JsonWebKey } from 'node:crypto';
import {
  type EdDSAKey,
  PassportError,
  type SigningKeySource,
  type VerificationKeySet,
  type VerificationKeySource,
} from '@passport-relay/core';

/**
 * A key in a {@link KeyRing}, with the times that decide its state. Times are milliseconds since
 * the epoch; an absent time has not been set.
 *
 * @example
 * ```ts
 * const entry: KeyRingEntry = { key: generatePassportKey(), publishedAt: Date.now() };
 * ```
 */
export interface KeyRingEntry {
  /** An Ed25519 private key with its `kid`: what `generatePassportKey()` returns. */
  readonly key: { readonly kid: string; readonly privateJwk: JsonWebKey };
  /** From then on the key is in the JWKS. */
  readonly publishedAt?: number;
  /** From then on the key signs (until a later key's `activatedAt`). */
  readonly activatedAt?: number;
  /** From then on the key is out of the JWKS. */
  readonly retiredAt?: number;
}

/**
 * Where a key stands at a given time:
 * `scheduled` (not yet published), `published` (in the JWKS, not signing yet), `active` (signing),
 * `retiring` (replaced, still in the JWKS while its passports live), `retired` (gone).
 *
 * @example
 * ```ts
 * const state: KeyState = ring.status().find((key) => key.kid === 'k2')!.state;
 * ```
 */
export type KeyState = 'scheduled' | 'published' | 'active' | 'retiring' | 'retired';

/**
 * One key of {@link KeyRing.status}: its state now and the earliest safe time of its next step.
 *
 * @example
 * ```ts
 * for (const key of ring.status()) console.log(key.kid, key.state);
 * ```
 */
export interface KeyStatus {
  readonly kid: string;
  readonly state: KeyState;
  readonly publishedAt: number | undefined;
  readonly activatedAt: number | undefined;
  /** When a later key took over signing, or `undefined`. */
  readonly deactivatedAt: number | undefined;
  readonly retiredAt: number | undefined;
  /** The earliest time {@link KeyRing.activate} accepts for it: `publishedAt + propagationMs`. */
  readonly activatableAt: number | undefined;
  /** The earliest time {@link KeyRing.retire} accepts for it: `deactivatedAt + retentionMs`. */
  readonly retirableAt: number | undefined;
}

/**
 * Options of {@link createKeyRing}.
 *
 * @example
 * ```ts
 * createKeyRing({ keys: [{ key }], propagationMs: 6 * 60_000, retentionMs: 6 * 60_000 });
 * ```
 */
export interface KeyRingOptions {
  /**
   * The keys and their times, e.g. restored from where the edge keeps them. A single key without
   * times is published and active from now: the first deployment. Exactly one key must be active.
   */
  readonly keys: readonly KeyRingEntry[];
  /**
   * How long a key is published before it may sign: at least the services' `remoteJwks` `maxAgeMs`
   * plus `timeoutMs` (and any HTTP cache between them and the JWKS), so every service has fetched
   * it before the first passport it signs arrives.
   * @default 330000 (the services' default five minutes, their 5 s timeout, and 25 s of margin)
   */
  readonly propagationMs?: number;
  /**
   * How long a replaced key stays published: at least the longest passport lifetime
   * (`signedCodec` `ttlSeconds`) plus the services' clock tolerance, so every passport it signed
   * expires before a service stops trusting it.
   * @default 330000 (the default 300 s lifetime, 5 s tolerance, and 25 s of margin)
   */
  readonly retentionMs?: number;
}

/**
 * The edge's passport keys over time, with a rotation that can never produce a passport a service
 * cannot verify: a key is published (in the JWKS) at least `propagationMs` before it signs, and a
 * replaced key stays published at least `retentionMs` after it stopped signing. Steps that would
 * break either rule throw, before anything changes.
 *
 * It is both of `signedCodec`'s key sources: pass it as `signingKey` (the active key) and as
 * `keys` (every published key) of the edge's relay, and serve {@link KeyRing.jwks} for services.
 *
 * @example
 * ```ts
 * const ring: KeyRing = createKeyRing({ keys: [{ key: generatePassportKey() }] });
 * ring.publish(generatePassportKey({ kid: 'k2' }));
 * // propagationMs later:
 * ring.activate('k2');
 * // retentionMs after that:
 * ring.retire('k1');
 * ```
 */
export interface KeyRing extends SigningKeySource, VerificationKeySource {
  readonly propagationMs: number;
  readonly retentionMs: number;
  /**
   * Add a key to the JWKS now (or at a later `at`). It may sign from `publishedAt + propagationMs`
   * on.
   * @example
   * ```ts
   * const { activatableAt } = ring.publish(generatePassportKey());
   * ```
   */
  publish(key: KeyRingEntry['key'], at?: number): KeyStatus;
  /**
   * Sign with `kid` from now (or from a later `at`); the key active before stays in the JWKS.
   * Throws `ERR_PASSPORT_OPTIONS` when `at` is earlier than `publishedAt + propagationMs`.
   * @example
   * ```ts
   * ring.activate('k2', ring.status().find((k) => k.kid === 'k2')!.activatableAt);
   * ```
   */
  activate(kid: string, at?: number): KeyStatus;
  /**
   * Take `kid` out of the JWKS now (or at a later `at`). Throws `ERR_PASSPORT_OPTIONS` for the active key,
   * a key still to be activated, or before `deactivatedAt + retentionMs`.
   * @example
   * ```ts
   * ring.retire('k1');
   * ```
   */
  retire(kid: string, at?: number): KeyStatus;
  /**
   * The public JWKS to serve now: every published, active and retiring key. The same object until
   * it changes.
   * @example
   * ```ts
   * res.json(ring.jwks());
   * ```
   */
  jwks(): VerificationKeySet;
  /**
   * Every key's state now (or at `at`) and the earliest time of its next step.
   * @example
   * ```ts
   * ring.status().filter((key) => key.state === 'retiring');
   * ```
   */
  status(at?: number): readonly KeyStatus[];
  /** The entries with their times, to persist and pass back as `keys` after a restart. */
  entries(): readonly KeyRingEntry[];
}

interface Slot {
  readonly kid: string;
  readonly signingKey: EdDSAKey;
  readonly publicJwk: JsonWebKey & { kid: string; alg: 'EdDSA'; use: 'sig' };
  readonly privateJwk: JsonWebKey;
  publishedAt: number | undefined;
  activatedAt: number | undefined;
  retiredAt: number | undefined;
}

const DEFAULT_PROPAGATION_MS = 330_000;
const DEFAULT_RETENTION_MS = 330_000;

function refuseStep(message: string): PassportError {
  return new PassportError('ERR_PASSPORT_OPTIONS', message);
}

/** A step's time: now or later. A step in the past would rewrite history the services lived. */
function notPast(at: unknown, step: string): number {
  const now = Date.now();
  if (at === undefined) return now;
  const value = time(at, `${step}: "at"`) as number;
  if (value < now) {
    throw refuseStep(`${step}: "at" is in the past; a step takes effect now or later.`);
  }
  return value;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function slotOf(key: KeyRingEntry['key'], where: string): Slot {
  const kid = key?.kid;
  if (typeof kid !== 'string' || kid.length === 0) {
    throw refuseStep(`${where}: a key needs a "kid" (generatePassportKey() sets one).`);
  }
  let publicJwk: JsonWebKey;
  try {
    const privateKey = createPrivateKey({ key: key.privateJwk, format: 'jwk' });
    if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('not Ed25519');
    publicJwk = createPublicKey(privateKey).export({ format: 'jwk' });
  } catch (cause) {
    throw new PassportError(
      'ERR_PASSPORT_OPTIONS',
      `${where}: key "${kid}" is not an Ed25519 private JWK; generate one with generatePassportKey().`,
      { cause },
    );
  }
  return {
    kid,
    signingKey: Object.freeze({ alg: 'EdDSA', kid, key: key.privateJwk }),
    publicJwk: Object.freeze({
      kty: 'OKP',
      crv: 'Ed25519',
      x: publicJwk.x as string,
      kid,
      alg: 'EdDSA',
      use: 'sig',
    }),
    privateJwk: key.privateJwk,
    publishedAt: undefined,
    activatedAt: undefined,
    retiredAt: undefined,
  };
}

function duration(value: number | undefined, fallback: number, name: string): number {
  const ms = value ?? fallback;
  if (!Number.isInteger(ms) || ms < 0 || ms > 30 * 86_400_000) {
    throw refuseStep(`createKeyRing: "${name}" must be an integer number of milliseconds.`);
  }
  return ms;
}

function time(value: unknown, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw refuseStep(`${what} must be milliseconds since the epoch.`);
  }
  return value;
}

/**
 * Create the edge's {@link KeyRing}.
 *
 * @example
 * ```ts
 * import { createRelay, signedCodec } from '@passport-relay/core';
 * import { createKeyRing, generatePassportKey } from '@passport-relay/gateway';
 *
 * const ring = createKeyRing({ keys: [{ key: generatePassportKey() }] });
 * const relay = createRelay({
 *   codec: signedCodec({ issuer: 'https://edge.example', signingKey: ring, keys: ring }),
 * });
 * ```
 */
export function createKeyRing(options: KeyRingOptions): KeyRing {
  const propagationMs = duration(options?.propagationMs, DEFAULT_PROPAGATION_MS, 'propagationMs');
  const retentionMs = duration(options?.retentionMs, DEFAULT_RETENTION_MS, 'retentionMs');
  const slots: Slot[] = [];
  const entries = options?.keys;
  if (!Array.isArray(entries) || entries.length === 0) {
    throw refuseStep(
      'createKeyRing: "keys" must hold at least one key: [{ key: generatePassportKey() }].',
    );
  }
  const start = Date.now();
  for (const entry of entries) {
    const slot = slotOf(entry?.key, 'createKeyRing');
    if (slots.some((other) => other.kid === slot.kid)) {
      throw refuseStep(`createKeyRing: two keys share the kid "${slot.kid}".`);
    }
    slot.publishedAt = time(entry.publishedAt, `createKeyRing: "publishedAt" of ${slot.kid}`);
    slot.activatedAt = time(entry.activatedAt, `createKeyRing: "activatedAt" of ${slot.kid}`);
    slot.retiredAt = time(entry.retiredAt, `createKeyRing: "retiredAt" of ${slot.kid}`);
    slots.push(slot);
  }
  if (slots.length === 1 && slots[0]!.publishedAt === undefined) {
    // The first deployment: nothing can have verified with another key, so the key signs at once.
    slots[0]!.publishedAt = start;
    slots[0]!.activatedAt ??= start;
  }
  for (const slot of slots) checkTimes(slot);
  if (activeAt(start) === undefined) {
    throw refuseStep(
      'createKeyRing: no key is active now; give one key an "activatedAt" in the past.',
    );
  }

  function checkTimes(slot: Slot): void {
    if (slot.activatedAt === undefined) return;
    if (slot.publishedAt === undefined) {
      throw refuseStep(`key "${slot.kid}" has an activatedAt but was never published.`);
    }
    // The first key ever to sign is exempt: no service could have expected another one.
    const first = slots.every(
      (other) =>
        other.activatedAt === undefined || other.activatedAt >= (slot.activatedAt as number),
    );
    if (!first && slot.activatedAt < slot.publishedAt + propagationMs) {
      throw refuseStep(
        `key "${slot.kid}" cannot sign before ${iso(slot.publishedAt + propagationMs)}: services may not have fetched it yet (propagationMs after publishing).`,
      );
    }
  }

  /** The key that signs at `at`: the latest activation not after it. */
  function activeAt(at: number): Slot | undefined {
    let active: Slot | undefined;
    for (const slot of slots) {
      if (slot.activatedAt === undefined || slot.activatedAt > at) continue;
      if (slot.retiredAt !== undefined && slot.retiredAt <= at) continue;
      if (active === undefined || slot.activatedAt > (active.activatedAt as number)) active = slot;
    }
    return active;
  }

  /** When a later activation took over from `slot`, if one did by `at` (or is scheduled). */
  function deactivatedAt(slot: Slot): number | undefined {
    if (slot.activatedAt === undefined) return undefined;
    let next: number | undefined;
    for (const other of slots) {
      const at = other.activatedAt;
      if (other === slot || at === undefined || at <= slot.activatedAt) continue;
      if (next === undefined || at < next) next = at;
    }
    return next;
  }

  function stateOf(slot: Slot, at: number): KeyState {
    if (slot.retiredAt !== undefined && slot.retiredAt <= at) return 'retired';
    if (slot.publishedAt === undefined || slot.publishedAt > at) return 'scheduled';
    if (activeAt(at) === slot) return 'active';
    if (slot.activatedAt !== undefined && slot.activatedAt <= at) return 'retiring';
    return 'published';
  }

  function statusOf(slot: Slot, at: number): KeyStatus {
    const off = deactivatedAt(slot);
    return Object.freeze({
      kid: slot.kid,
      state: stateOf(slot, at),
      publishedAt: slot.publishedAt,
      activatedAt: slot.activatedAt,
      deactivatedAt: off,
      retiredAt: slot.retiredAt,
      activatableAt: slot.publishedAt === undefined ? undefined : slot.publishedAt + propagationMs,
      retirableAt: off === undefined ? undefined : off + retentionMs,
    });
  }

  function find(kid: string, step: string): Slot {
    const slot = slots.find((candidate) => candidate.kid === kid);
    if (slot === undefined) throw refuseStep(`${step}: no key "${kid}" in the ring.`);
    return slot;
  }

  let published: VerificationKeySet = { keys: [] };
  let publishedKids = '\u0000';

  function jwks(): VerificationKeySet {
    const at = Date.now();
    const visible = slots.filter((slot) => {
      const state = stateOf(slot, at);
      return state === 'published' || state === 'active' || state === 'retiring';
    });
    const kids = visible.map((slot) => slot.kid).join('\u0000');
    if (kids !== publishedKids) {
      published = Object.freeze({ keys: Object.freeze(visible.map((slot) => slot.publicJwk)) });
      publishedKids = kids;
    }
    return published;
  }

  return {
    propagationMs,
    retentionMs,

    currentSigningKey() {
      const active = activeAt(Date.now());
      if (active === undefined) {
        // Only reachable by retiring what signs, which retire() refuses; kept as a typed failure.
        throw new PassportError('ERR_PASSPORT_CANNOT_ISSUE', 'The key ring has no active key.');
      }
      return active.signingKey;
    },

    currentKeys: jwks,
    jwks,

    publish(key, at) {
      const when = notPast(at, 'keyRing.publish');
      const slot = slotOf(key, 'keyRing.publish');
      if (slots.some((other) => other.kid === slot.kid)) {
        throw refuseStep(
          `keyRing.publish: the kid "${slot.kid}" is in the ring already; use a new kid.`,
        );
      }
      slot.publishedAt = when;
      slots.push(slot);
      return statusOf(slot, Date.now());
    },

    activate(kid, requested) {
      const slot = find(kid, 'keyRing.activate');
      const at = notPast(requested, 'keyRing.activate');
      if (slot.activatedAt !== undefined) {
        throw refuseStep(
          `keyRing.activate: key "${kid}" was activated already; publish a new key.`,
        );
      }
      if (slot.publishedAt === undefined || at < slot.publishedAt + propagationMs) {
        throw refuseStep(
          `keyRing.activate: key "${kid}" cannot sign before ${iso((slot.publishedAt ?? at) + propagationMs)}: services may not have fetched it yet (propagationMs after publishing).`,
        );
      }
      const later = slots.find(
        (other) => other.activatedAt !== undefined && other.activatedAt >= at,
      );
      if (later !== undefined) {
        throw refuseStep(
          `keyRing.activate: key "${later.kid}" is activated at or after that time.`,
        );
      }
      slot.activatedAt = at;
      return statusOf(slot, Date.now());
    },

    retire(kid, requested) {
      const slot = find(kid, 'keyRing.retire');
      const at = notPast(requested, 'keyRing.retire');
      const off = deactivatedAt(slot);
      if (slot.activatedAt !== undefined && (off === undefined || off > at)) {
        throw refuseStep(
          `keyRing.retire: key "${kid}" still signs at that time; activate its successor first.`,
        );
      }
      if (off !== undefined && at < off + retentionMs) {
        throw refuseStep(
          `keyRing.retire: key "${kid}" stays published until ${iso(off + retentionMs)}: passports it signed may still be valid (retentionMs after it stopped signing).`,
        );
      }
      slot.retiredAt = at;
      return statusOf(slot, Date.now());
    },

    status(at = Date.now()) {
      return Object.freeze(slots.map((slot) => statusOf(slot, at)));
    },

    entries() {
      return Object.freeze(
        slots.map((slot) =>
          Object.freeze({
            key: { kid: slot.kid, privateJwk: slot.privateJwk },
            ...(slot.publishedAt === undefined ? {} : { publishedAt: slot.publishedAt }),
            ...(slot.activatedAt === undefined ? {} : { activatedAt: slot.activatedAt }),
            ...(slot.retiredAt === undefined ? {} : { retiredAt: slot.retiredAt }),
          }),
        ),
      );
    },
  };
}
