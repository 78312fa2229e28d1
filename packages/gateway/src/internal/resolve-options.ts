import {
  isPassportError,
  type PassportClaims,
  PassportError,
  type PassportFields,
  type Relay,
} from '@passport-relay/core';
import { numberOption } from '@passport-relay/core/adapter';
import {
  type GatewayOptions,
  USER_TOKEN_ALGORITHMS,
  type UserTokenAlgorithm,
} from '../gateway-options.js';
import type { LocalTts } from '../local-tts.js';
import { defaultToPassport, type UserClaims } from '../user-claims.js';
import { isChallengeText } from './bearer-challenge.js';
import type { KeySource, UserTokenPolicy } from './user-token-verifier.js';

/** {@link GatewayOptions} after validation: every default applied, nothing left to check. */
export interface ResolvedGatewayOptions<T extends object, R> {
  readonly relay: Relay<T>;
  readonly policy: UserTokenPolicy;
  readonly toPassport: (
    claims: UserClaims,
    request: R,
  ) => PassportClaims<T> | Promise<PassportClaims<T>>;
  /** Lower-case names, the relay's header first. */
  readonly stripHeaders: readonly string[];
  /** Forwarded headers the relay copies, minus any that are stripped. */
  readonly forwardHeaders: readonly string[];
  readonly realm: string;
  readonly cacheMaxEntries: number;
  readonly cacheMarginSeconds: number;
  readonly maxTokenBytes: number;
  /** The local TTS, and whether the relay carries Txn-Tokens only (no passport minted). */
  readonly txnToken: LocalTts<R> | undefined;
  readonly txnTokenOnly: boolean;
}

const KNOWN_OPTIONS = new Set([
  'relay',
  'jwksUrl',
  'jwks',
  'remoteJwks',
  'issuer',
  'audience',
  'algorithms',
  'clockToleranceSeconds',
  'toPassport',
  'stripHeaders',
  'realm',
  'cache',
  'maxTokenBytes',
  'txnToken',
]);

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
/** JWK members that only private or secret keys have. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];
const KEY_TYPES: Readonly<Record<UserTokenAlgorithm, string>> = {
  RS256: 'RSA',
  RS384: 'RSA',
  RS512: 'RSA',
  PS256: 'RSA',
  PS384: 'RSA',
  PS512: 'RSA',
  ES256: 'EC',
  ES384: 'EC',
  ES512: 'EC',
  EdDSA: 'OKP',
  Ed25519: 'OKP',
};

function bad(message: string): PassportError {
  return new PassportError('ERR_PASSPORT_OPTIONS', `createGateway: ${message}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringList(value: unknown, name: string, fix: string): readonly string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    list.some((item) => typeof item !== 'string' || item.length === 0)
  ) {
    throw bad(`"${name}" is required: ${fix}`);
  }
  return Object.freeze([...(list as string[])]);
}

function integer(value: unknown, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw bad(`"${name}" must be an integer from ${min} to ${max}.`);
  }
  return value;
}

function resolveAlgorithms(value: unknown): readonly UserTokenAlgorithm[] {
  const fix = `the JWS algorithms your identity provider signs user tokens with, e.g. algorithms: ['RS256'] (supported: ${USER_TOKEN_ALGORITHMS.join(', ')}).`;
  if (!Array.isArray(value) || value.length === 0) {
    throw bad(`"algorithms" is required: ${fix} Pinning them rules out algorithm confusion.`);
  }
  for (const alg of value) {
    if (typeof alg === 'string' && alg.toLowerCase() === 'none') {
      throw bad('"algorithms" cannot contain "none": unsigned user tokens are never accepted.');
    }
    if (typeof alg === 'string' && /^HS/i.test(alg)) {
      throw bad(
        `"algorithms" cannot contain ${alg}: HMAC keys are secrets and cannot come from a JWKS; use an asymmetric algorithm such as RS256, ES256 or EdDSA.`,
      );
    }
    if (!USER_TOKEN_ALGORITHMS.includes(alg as UserTokenAlgorithm)) {
      throw bad(`"algorithms" contains ${String(alg)}, which is not supported: ${fix}`);
    }
  }
  return Object.freeze([...new Set(value as UserTokenAlgorithm[])]);
}

function resolveKeySource(
  options: GatewayOptions<object, unknown>,
  algorithms: readonly UserTokenAlgorithm[],
): KeySource {
  const { jwksUrl, jwks, remoteJwks } = options;
  if ((jwksUrl === undefined) === (jwks === undefined)) {
    throw bad(
      'give exactly one of "jwksUrl" (your identity provider\'s JWKS endpoint, e.g. \'https://login.example.com/.well-known/jwks.json\') and "jwks" (a local { keys: [...] } of public keys).',
    );
  }
  if (jwksUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(String(jwksUrl));
    } catch {
      throw bad(`"jwksUrl" is not a URL: ${String(jwksUrl)}.`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw bad('"jwksUrl" must be an https: (or, inside a trusted network, http:) URL.');
    }
    if (remoteJwks !== undefined && !isRecord(remoteJwks)) {
      throw bad('"remoteJwks" must be an object: { timeoutMs, cooldownMs, maxAgeMs, headers }.');
    }
    const headers = remoteJwks?.headers ?? {};
    if (!isRecord(headers) || Object.values(headers).some((value) => typeof value !== 'string')) {
      throw bad('"remoteJwks.headers" must map header names to strings.');
    }
    return Object.freeze({
      kind: 'remote',
      url,
      timeoutMs: integer(remoteJwks?.timeoutMs, 'remoteJwks.timeoutMs', 1, 60_000, 5_000),
      cooldownMs: integer(remoteJwks?.cooldownMs, 'remoteJwks.cooldownMs', 0, 86_400_000, 30_000),
      maxAgeMs: integer(remoteJwks?.maxAgeMs, 'remoteJwks.maxAgeMs', 0, 86_400_000, 600_000),
      headers: Object.freeze({ ...(headers as Record<string, string>) }),
    });
  }
  if (remoteJwks !== undefined) throw bad('"remoteJwks" applies to "jwksUrl" only.');
  const keys = isRecord(jwks) ? jwks.keys : undefined;
  if (!Array.isArray(keys) || keys.length === 0 || !keys.every(isRecord)) {
    throw bad('"jwks" must be a JSON Web Key Set with at least one key: { keys: [...] }.');
  }
  for (const [index, key] of keys.entries()) {
    if (typeof key.kty !== 'string') throw bad(`"jwks.keys[${index}]" has no "kty".`);
    if (PRIVATE_MEMBERS.some((member) => key[member] !== undefined)) {
      throw bad(`"jwks.keys[${index}]" is a private or secret key; a JWKS holds public keys only.`);
    }
  }
  const wanted = new Set(algorithms.map((alg) => KEY_TYPES[alg]));
  if (!keys.some((key) => wanted.has(key.kty as string))) {
    throw bad(
      `"jwks" has no key for ${algorithms.join(', ')} (needs kty ${[...wanted].join(' or ')}); check "algorithms" against your identity provider's keys.`,
    );
  }
  return Object.freeze({ kind: 'local', jwks: structuredClone({ keys }) });
}

function resolveStripHeaders(value: unknown, relayHeader: string): readonly string[] {
  if (value === undefined) return Object.freeze([relayHeader]);
  if (!Array.isArray(value)) {
    throw bad('"stripHeaders" must be an array of header names, e.g. [\'x-user-id\'].');
  }
  const names = new Set<string>([relayHeader]);
  for (const name of value) {
    const lower = typeof name === 'string' ? name.toLowerCase() : '';
    if (!HEADER_NAME.test(lower))
      throw bad(`"stripHeaders": "${String(name)}" is not a header name.`);
    if (lower === 'authorization') {
      throw bad(
        '"stripHeaders" cannot contain "authorization": the gateway reads the user token from it. To keep the token from services, leave it out of what your proxy forwards.',
      );
    }
    names.add(lower);
  }
  return Object.freeze([...names]);
}

/** Mint and verify one passport, so a relay that cannot do either fails now, not per request. */
function checkRelayCanMint(relay: Relay<object>): void {
  if (!relay.canIssue) {
    throw bad(
      '"relay" cannot mint passports: create it with signedCodec({ signingKey, keys, issuer }) so the edge holds the signing key.',
    );
  }
  // Minting works; one probe shows the relay also verifies what it mints (its keys hold the
  // signing key's public half), which no option alone can tell.
  checkRelayVerifies(
    relay,
    relay.issue({ sub: 'passport-relay-gateway-start-up-check' }),
    '"relay" cannot verify the passports it mints: add the public half of its signingKey to signedCodec({ keys }).',
  );
}

/** Mint one Txn-Token and verify it, so a relay without the local TTS's public key fails now. */
function checkRelayVerifiesTxnTokens(relay: Relay<object>, txnToken: LocalTts<never>): void {
  checkRelayVerifies(
    relay,
    txnToken.minter.mint({ sub: 'passport-relay-gateway-start-up-check', scope: 'probe' }),
    '"relay" cannot verify the Txn-Tokens "txnToken" mints: add the public half of its signingKey (publicTxnTokenJwk) to txnTokenCodec({ keys }).',
  );
}

/**
 * Verify a probe the gateway minted itself: a key or trust-domain mismatch is an option error now.
 * Anything else (a schema the probe's claims do not satisfy, say) is about the probe, not the setup.
 */
function checkRelayVerifies(relay: Relay<object>, probe: string, keyMismatch: string): void {
  try {
    relay.verify(probe);
  } catch (error) {
    const code = isPassportError(error) ? error.code : undefined;
    if (code === 'ERR_PASSPORT_KEY_UNKNOWN' || code === 'ERR_PASSPORT_SIGNATURE') {
      throw bad(keyMismatch);
    }
    if (code === 'ERR_TXN_TOKEN_AUDIENCE') {
      throw bad('"relay" and "txnToken" name different trust domains.');
    }
  }
}

/** Validate every option once, at start-up, with messages that say how to fix them. */
export function resolveGatewayOptions<T extends object = PassportFields, R = unknown>(
  options: GatewayOptions<T, R>,
): ResolvedGatewayOptions<T, R> {
  if (!isRecord(options)) {
    throw bad(
      "needs an options object: createGateway({ relay, jwksUrl, issuer, audience, algorithms: ['RS256'] }).",
    );
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) {
      throw bad(`unknown option "${key}"; known options are ${[...KNOWN_OPTIONS].join(', ')}.`);
    }
  }
  const relay = options.relay as Relay<T> | undefined;
  if (
    !isRecord(relay) ||
    typeof relay.issue !== 'function' ||
    typeof relay.extract !== 'function' ||
    typeof relay.header !== 'string'
  ) {
    throw bad(
      '"relay" is required: createRelay({ codec: signedCodec({ signingKey, keys, issuer }) }) from @passport-relay/core.',
    );
  }
  const issuer = stringList(
    options.issuer,
    'issuer',
    'the "iss" of the user tokens your identity provider issues, e.g. issuer: \'https://login.example.com/realms/main\'.',
  );
  const audience = stringList(
    options.audience,
    'audience',
    'the "aud" your identity provider puts in tokens meant for this API, e.g. audience: \'orders-api\'; without it a token issued for another application would be accepted.',
  );
  const algorithms = resolveAlgorithms(options.algorithms);
  const keys = resolveKeySource(options as GatewayOptions<object, unknown>, algorithms);
  const tolerance = numberOption(
    'createGateway',
    'clockToleranceSeconds',
    options.clockToleranceSeconds,
    { min: 0, max: 300, fallback: 5 },
  );
  const toPassport = options.toPassport ?? defaultToPassport;
  if (typeof toPassport !== 'function') {
    throw bad(
      '"toPassport" must be a function (claims, request) => passport claims (or a promise of them).',
    );
  }
  const stripHeaders = resolveStripHeaders(options.stripHeaders, relay.header);
  const realm = options.realm ?? 'gateway';
  if (typeof realm !== 'string' || !isChallengeText(realm)) {
    throw bad(
      '"realm" must be a non-empty string of printable ASCII without quotes or backslashes.',
    );
  }
  const cache = options.cache ?? {};
  if (cache !== false && !isRecord(cache)) {
    throw bad('"cache" must be false or { maxEntries, marginSeconds }.');
  }
  const cacheMaxEntries =
    cache === false ? 0 : integer(cache.maxEntries, 'cache.maxEntries', 0, 1_000_000, 10_000);
  const cacheMarginSeconds =
    cache === false ? 0 : integer(cache.marginSeconds, 'cache.marginSeconds', 0, 3_600, 30);
  const maxTokenBytes = integer(options.maxTokenBytes, 'maxTokenBytes', 64, 65_536, 8_192);
  const txnToken = options.txnToken as LocalTts<R> | undefined;
  if (txnToken !== undefined && (typeof txnToken?.mint !== 'function' || !txnToken.header)) {
    throw bad(
      '"txnToken" must be a local TTS from createLocalTts({ signingKey, trustDomain, workloadId }).',
    );
  }
  const txnTokenOnly = txnToken !== undefined && relay.header === txnToken.header;
  if (txnToken !== undefined && !txnTokenOnly && !relay.forwardHeaders.includes(txnToken.header)) {
    throw bad(
      `"txnToken" needs a way downstream: build the relay on txnTokenCodec (Txn-Tokens only), or add '${txnToken.header}' to the passport relay's forwardHeaders (both formats, for a migration).`,
    );
  }
  if (txnTokenOnly) checkRelayVerifiesTxnTokens(relay as Relay<object>, txnToken);
  else checkRelayCanMint(relay as Relay<object>);
  const allStripped =
    txnToken === undefined || stripHeaders.includes(txnToken.header)
      ? stripHeaders
      : Object.freeze([...stripHeaders, txnToken.header]);
  const stripped = new Set(allStripped);
  return Object.freeze({
    relay,
    policy: Object.freeze({
      keys,
      issuer,
      audience,
      algorithms,
      clockToleranceSeconds: tolerance,
    }),
    toPassport: toPassport as ResolvedGatewayOptions<T, R>['toPassport'],
    stripHeaders: allStripped,
    forwardHeaders: Object.freeze(relay.forwardHeaders.filter((name) => !stripped.has(name))),
    realm,
    cacheMaxEntries,
    cacheMarginSeconds,
    maxTokenBytes,
    txnToken,
    txnTokenOnly,
  });
}
