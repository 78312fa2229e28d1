import { AsyncResource } from 'node:async_hooks';
import type { JsonWebKey } from 'node:crypto';
import { channels } from './diagnostics.js';
import { badOption, type PassportError, refuse } from './errors.js';
import { resolveVerifierSet } from './internal/verifier-set.js';
import type { VerificationKeySet, VerificationKeySource } from './key-source.js';
import { resolveVerifier } from './keys.js';

/**
 * Options of {@link remoteJwks}. Every field has a default.
 *
 * @example
 * ```ts
 * const options: RemoteJwksOptions = { maxAgeMs: 60_000, cooldownMs: 10_000, timeoutMs: 2_000 };
 * const keys = remoteJwks('http://gateway.edge.svc.cluster.local/.well-known/jwks.json', options);
 * ```
 */
export interface RemoteJwksOptions {
  /**
   * Give up on one fetch after this long.
   * @default 5000
   */
  readonly timeoutMs?: number;
  /**
   * Fetch the JWKS again this long after the last successful fetch, so a key the edge publishes
   * is known here before the edge signs with it. The edge's key ring must wait at least this long
   * (plus `timeoutMs`) between publishing a key and activating it.
   * @default 300000 (five minutes)
   */
  readonly maxAgeMs?: number;
  /**
   * The least time between two fetches that a passport with an unknown `kid` triggers, and
   * between retries while the JWKS cannot be reached. Bounds what a stream of forged `kid`s costs.
   * @default 30000
   */
  readonly cooldownMs?: number;
  /**
   * Largest JWKS response read, in bytes; a larger one is a failed fetch.
   * @default 65536
   */
  readonly maxBytes?: number;
  /**
   * Most keys taken from one JWKS; a set with more is a failed fetch.
   * @default 32
   */
  readonly maxKeys?: number;
  /** Extra request headers for the fetch (say, an API key of the JWKS host). */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * A {@link VerificationKeySource} that reads the edge's published JWKS. See {@link remoteJwks}.
 *
 * @example
 * ```ts
 * const keys: RemoteJwks = remoteJwks('http://gateway/.well-known/jwks.json');
 * await keys.ready();
 * ```
 */
export interface RemoteJwks extends VerificationKeySource {
  /** The JWKS address. */
  readonly url: string;
  /** The `kid`s trusted now (empty before the first successful fetch). */
  readonly kids: readonly string[];
  /** When the keys were last fetched successfully (ms since the epoch), or `undefined`. */
  readonly fetchedAt: number | undefined;
  /** Why the last fetch failed, or `undefined` when it succeeded. */
  readonly lastError: PassportError | undefined;
  /**
   * Resolves once keys have been loaded (waiting through failed fetches, which are retried every
   * `cooldownMs`); rejects with the last `ERR_PASSPORT_UNAVAILABLE` error after `waitMs`.
   * @example
   * ```ts
   * await keys.ready(10_000); // before server.listen(), so the first requests verify
   * ```
   */
  ready(waitMs?: number): Promise<void>;
  /**
   * Fetch now (or join the fetch in flight). Rejects with `ERR_PASSPORT_UNAVAILABLE` on failure;
   * the last good keys stay in use.
   */
  refresh(): Promise<void>;
  /** Stop the periodic refresh. The keys already loaded stay usable. Calling it twice is harmless. */
  close(): void;
}

const DEFAULTS = {
  timeoutMs: 5_000,
  maxAgeMs: 300_000,
  cooldownMs: 30_000,
  maxBytes: 65_536,
  maxKeys: 32,
} as const;

function integerOption(
  options: RemoteJwksOptions,
  name: keyof typeof DEFAULTS,
  min: number,
  max: number,
): number {
  const value = options[name] ?? DEFAULTS[name];
  if (!Number.isInteger(value) || value < min || value > max) {
    throw badOption(`remoteJwks: "${name}" must be an integer from ${min} to ${max}.`);
  }
  return value;
}

/** The keys of a JWKS a service may use: Ed25519 public keys for signing, nothing else. */
function usableKeys(document: unknown, maxKeys: number): JsonWebKey[] {
  const keys = (document as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new Error('the response is not a JWKS ({ "keys": [...] })');
  if (keys.length > maxKeys) throw new Error(`the JWKS has more than ${maxKeys} keys`);
  const usable: JsonWebKey[] = [];
  for (const key of keys) {
    if (typeof key !== 'object' || key === null) continue;
    const jwk = key as JsonWebKey & { kid?: unknown; use?: unknown; alg?: unknown };
    // Public signature keys only: a private member, a secret (oct) or an encryption key is skipped,
    // and so are certificate members (x5c, x5u): the key is the JWK's own key, nothing it points to.
    if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') continue;
    if (jwk.d !== undefined) continue;
    if (jwk.use !== undefined && jwk.use !== 'sig') continue;
    if (jwk.alg !== undefined && jwk.alg !== 'EdDSA' && jwk.alg !== 'Ed25519') continue;
    if (jwk.kid !== undefined && typeof jwk.kid !== 'string') continue;
    const clean: JsonWebKey & { kid?: string; alg?: string } = {
      kty: 'OKP',
      crv: 'Ed25519',
      x: jwk.x,
    };
    if (typeof jwk.kid === 'string') clean.kid = jwk.kid;
    clean.alg = 'EdDSA';
    try {
      resolveVerifier(clean, 'remoteJwks');
      usable.push(clean);
    } catch {
      // Not a valid Ed25519 point: skipped like any key this service cannot use.
    }
  }
  if (usable.length === 0) throw new Error('the JWKS has no Ed25519 signature key');
  // Checks repeated kids; the set is refused as a whole rather than guessing which key is right.
  resolveVerifierSet(usable, 'remoteJwks');
  return usable;
}

async function readCapped(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (declared > maxBytes) throw new Error(`the JWKS is larger than ${maxBytes} bytes`);
  const reader = response.body?.getReader();
  if (reader === undefined) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new Error(`the JWKS is larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Verification keys fetched from the edge's published JWKS, for `signedCodec({ keys })`, so the
 * edge rotates its key without a redeploy of any service.
 *
 * - The first fetch starts here; then the JWKS is fetched again every `maxAgeMs`, and when a
 *   passport names a `kid` this service does not know (at most once per `cooldownMs`, one fetch at
 *   a time). Verification never waits for the network: a known `kid` verifies synchronously, and
 *   a passport with an unknown `kid` is refused at once (`ERR_PASSPORT_KEY_UNKNOWN`, 401) while
 *   the refresh runs. The edge's rotation procedure (publish, wait `maxAgeMs`, then sign) is what
 *   makes that never happen to a real passport.
 * - When the JWKS cannot be reached (or answers garbage) the last good keys stay in use, and the
 *   fetch is retried every `cooldownMs`. Before any key was ever loaded, passports are refused with
 *   `ERR_PASSPORT_UNAVAILABLE` (503: try again), so start-up needs no ordering between services.
 * - Only the configured URL is ever fetched: `jku`, `x5u`, `x5c` and `jwk` in a token's header are
 *   ignored, redirects are refused, and only Ed25519 public keys are taken from the set.
 * - Fetches run outside any request's context, so propagation hooks never attach a passport.
 *
 * Uses the global `fetch`; the timer is `unref`'d, so it never keeps a process alive.
 *
 * @example
 * ```ts
 * import { createRelay, remoteJwks, signedCodec } from '@passport-relay/core';
 *
 * const keys = remoteJwks('http://gateway.edge.svc.cluster.local/.well-known/jwks.json');
 * export const relay = createRelay({
 *   codec: signedCodec({ issuer: 'https://edge.example', keys }),
 * });
 * await keys.ready(10_000).catch(() => {}); // optional: start verifying at once when it can
 * ```
 */
export function remoteJwks(url: string | URL, options: RemoteJwksOptions = {}): RemoteJwks {
  let address: URL;
  try {
    address = new URL(url);
  } catch {
    throw badOption(`remoteJwks: "${String(url)}" is not a URL.`);
  }
  if (address.protocol !== 'https:' && address.protocol !== 'http:') {
    throw badOption('remoteJwks: the JWKS URL must be http: or https:.');
  }
  const href = address.href;
  const timeoutMs = integerOption(options, 'timeoutMs', 1, 60_000);
  const maxAgeMs = integerOption(options, 'maxAgeMs', 10, 86_400_000);
  const cooldownMs = integerOption(options, 'cooldownMs', 0, 86_400_000);
  const maxBytes = integerOption(options, 'maxBytes', 256, 1_048_576);
  const maxKeys = integerOption(options, 'maxKeys', 1, 1_000);
  const headers: Record<string, string> = { accept: 'application/jwk-set+json, application/json' };
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (typeof value !== 'string')
      throw badOption(`remoteJwks: header "${name}" must be a string.`);
    headers[name.toLowerCase()] = value;
  }

  // Fetches run in the async context of this call (start-up), never in a request's.
  const scope = new AsyncResource('passport-relay.remote-jwks');
  let current: VerificationKeySet | undefined;
  let currentText = '';
  let kids: readonly string[] = Object.freeze([]);
  let fetchedAt: number | undefined;
  let lastError: PassportError | undefined;
  let lastAttemptAt = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const waiters = new Set<() => void>();

  function schedule(delayMs: number): void {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      fetchKeys().catch(() => {});
    }, delayMs);
    timer.unref();
  }

  async function load(): Promise<void> {
    let response: Response;
    try {
      response = await fetch(href, {
        headers,
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (cause) {
      throw refuse('ERR_PASSPORT_UNAVAILABLE', `The JWKS at ${href} could not be fetched.`, cause);
    }
    try {
      if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
      const keys = usableKeys(JSON.parse(await readCapped(response, maxBytes)), maxKeys);
      const text = JSON.stringify(keys);
      fetchedAt = Date.now();
      lastError = undefined;
      if (text !== currentText) {
        current = Object.freeze({ keys: Object.freeze(keys) });
        currentText = text;
        kids = Object.freeze(keys.flatMap((key) => (typeof key.kid === 'string' ? [key.kid] : [])));
        if (channels.keys.hasSubscribers) channels.keys.publish({ url: href, kids });
      }
    } catch (cause) {
      await response.body?.cancel().catch(() => {});
      throw refuse(
        'ERR_PASSPORT_UNAVAILABLE',
        `The JWKS at ${href} could not be used: ${(cause as Error).message}.`,
        cause,
      );
    }
  }

  function fetchKeys(): Promise<void> {
    if (inFlight !== undefined) return inFlight;
    lastAttemptAt = Date.now();
    inFlight = scope.runInAsyncScope(() =>
      load().then(
        () => {
          inFlight = undefined;
          for (const wake of waiters) wake();
          schedule(maxAgeMs);
        },
        (error: PassportError) => {
          inFlight = undefined;
          lastError = error;
          if (channels.keys.hasSubscribers) channels.keys.publish({ url: href, kids, error });
          schedule(Math.min(Math.max(cooldownMs, 1), maxAgeMs));
          throw error;
        },
      ),
    );
    return inFlight;
  }

  fetchKeys().catch(() => {});

  return {
    url: href,
    get kids() {
      return kids;
    },
    get fetchedAt() {
      return fetchedAt;
    },
    get lastError() {
      return lastError;
    },
    currentKeys: () => current,
    keyUnknown() {
      if (inFlight !== undefined || Date.now() - lastAttemptAt < cooldownMs) return;
      fetchKeys().catch(() => {});
    },
    refresh: fetchKeys,
    ready(waitMs = timeoutMs * 2) {
      if (current !== undefined) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const giveUp = setTimeout(() => {
          waiters.delete(wake);
          reject(
            lastError ??
              refuse('ERR_PASSPORT_UNAVAILABLE', `The JWKS at ${href} was not loaded in time.`),
          );
        }, waitMs);
        const wake = () => {
          clearTimeout(giveUp);
          waiters.delete(wake);
          resolve();
        };
        waiters.add(wake);
      });
    },
    close() {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      scope.emitDestroy();
    },
  };
}
