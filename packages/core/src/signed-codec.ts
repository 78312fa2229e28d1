import { type JsonWebKey, randomUUID } from 'node:crypto';
import type { PassportCodec } from './codec.js';
import { badOption, refuse } from './errors.js';
import { encodeBase64url } from './internal/base64url.js';
import {
  checkAudience,
  checkIssuer,
  checkSubject,
  checkTimeClaims,
} from './internal/claim-checks.js';
import {
  checkJwsHeader,
  keysFor,
  parseJwsHeader,
  verifiedJwsPayload,
} from './internal/jws-checks.js';
import { type VerifierSet, verifiersFrom } from './internal/verifier-set.js';
import {
  isSigningKeySource,
  type SigningKeySource,
  type VerificationKeySource,
} from './key-source.js';
import {
  type ResolvedSigner,
  type ResolvedVerifier,
  resolveSigner,
  type SigningKey,
  type VerificationKey,
} from './keys.js';
import type { ResolvedLimits } from './limits.js';
import { checkOptions, numberOption } from './option-checks.js';
import { TtlCache } from './ttl-cache.js';

/**
 * Options of {@link signedCodec}.
 *
 * @example
 * ```ts
 * const options: SignedCodecOptions = { keys: jwks, issuer: 'https://edge.example', audience: 'orders' };
 * signedCodec(options);
 * ```
 */
export interface SignedCodecOptions {
  /**
   * The keys passports are verified with: Ed25519 public keys (`EdDSA`) or HS256 secrets, or a JWKS
   * (`{ keys: [...] }`). Several at once during a rotation; the token's `kid` picks one. Or a
   * {@link VerificationKeySource} whose keys change while the process runs, such as
   * `remoteJwks(url)`: the edge's published JWKS, so keys rotate without a redeploy.
   */
  readonly keys:
    | readonly VerificationKey[]
    | { readonly keys: readonly JsonWebKey[] }
    | VerificationKeySource;
  /** Expected `iss`; when set, a passport from another issuer is refused and `issue()` sets it. */
  readonly issuer?: string;
  /** Expected `aud` (any of them); when set, a passport for another audience is refused. */
  readonly audience?: string | readonly string[];
  /**
   * The key `issue()` signs with. Only the edge needs one; with EdDSA, services hold public keys
   * only, so a compromised service cannot mint. Or a {@link SigningKeySource} (the edge's key ring)
   * whose key changes during a rotation.
   */
  readonly signingKey?: SigningKey | SigningKeySource;
  /**
   * Lifetime of issued passports.
   * @default 300
   */
  readonly ttlSeconds?: number;
  /**
   * Clock skew tolerated on `exp` and `nbf`.
   * @default 5
   */
  readonly clockToleranceSeconds?: number;
}

interface HeaderDecision {
  readonly candidates: readonly ResolvedVerifier[];
}

const MAX_REMEMBERED_HEADERS = 64;

/**
 * Passports as compact JWS (RFC 7515) with JWT claims (RFC 7519), signed with EdDSA (Ed25519) or
 * HS256. The algorithm is pinned by the configured keys; `none` is never accepted, and a token
 * signed with one algorithm is never checked against a key of the other.
 *
 * Verification uses `node:crypto` directly: for HS256 it is about seven times faster than a general
 * JOSE library, and tests hold it to jose's accept/refuse behaviour.
 *
 * @example
 * ```ts
 * const relay = createRelay({
 *   codec: signedCodec({
 *     issuer: 'https://edge.example',
 *     keys: [{ alg: 'EdDSA', kid: '2026-11', key: publicJwk }],
 *   }),
 * });
 * ```
 */
export function signedCodec(options: SignedCodecOptions): PassportCodec {
  const where = 'signedCodec';
  checkOptions(where, options, {
    known: ['keys', 'issuer', 'audience', 'signingKey', 'ttlSeconds', 'clockToleranceSeconds'],
    example: "signedCodec({ keys: [{ alg: 'EdDSA', kid, key }], issuer: 'https://edge.example' })",
    required: true,
  });
  const keys = verifiersFrom(options.keys, where);
  const issuer = options.issuer;
  if (issuer !== undefined && (typeof issuer !== 'string' || issuer.length === 0)) {
    throw badOption(`${where}: "issuer" must be a non-empty string.`);
  }
  const audience =
    options.audience === undefined
      ? undefined
      : typeof options.audience === 'string'
        ? [options.audience]
        : [...options.audience];
  if (audience !== undefined && (audience.length === 0 || audience.some((a) => !a))) {
    throw badOption(`${where}: "audience" must be a non-empty string or list of strings.`);
  }
  const ttlSeconds = numberOption(where, 'ttlSeconds', options.ttlSeconds, {
    min: 1,
    max: 86_400,
    fallback: 300,
    integer: true,
    hint: ' (short: minutes)',
  });
  const tolerance = numberOption(where, 'clockToleranceSeconds', options.clockToleranceSeconds, {
    min: 0,
    max: 300,
    fallback: 5,
  });
  const signingSource = isSigningKeySource(options.signingKey) ? options.signingKey : undefined;
  let signingKey = signingSource?.currentSigningKey() ?? (options.signingKey as SigningKey);
  let signer: ResolvedSigner | undefined =
    signingKey === undefined ? undefined : resolveSigner(signingKey, `${where}: signingKey`);
  let signedHeader = signer === undefined ? undefined : protectedHeader(signer);

  /** The signer now: a key ring's active key changes during a rotation. */
  function currentSigner(): ResolvedSigner | undefined {
    if (signingSource !== undefined) {
      const key = signingSource.currentSigningKey();
      if (key !== signingKey) {
        signer = resolveSigner(key, `${where}: signingKey`);
        signedHeader = protectedHeader(signer);
        signingKey = key;
      }
    }
    return signer;
  }

  // Protected headers repeat across tokens from the same edge; remember what each one selects,
  // for as long as the key set that decided it is the current one. The header is the caller's
  // choice (checked before the signature), so the memo is bounded.
  const headerDecisions = new TtlCache<HeaderDecision>(MAX_REMEMBERED_HEADERS);
  let decidedWith: VerifierSet | undefined;

  function decideHeader(segment: string, limits: ResolvedLimits): HeaderDecision {
    const keySet = keys.current();
    if (keySet !== decidedWith) {
      headerDecisions.clear();
      decidedWith = keySet;
    }
    const { verifiers, algorithms } = keySet;
    const remembered = headerDecisions.get(segment);
    if (remembered !== undefined) return remembered;
    const header = parseJwsHeader(segment, limits);
    const candidates = keysFor(verifiers, checkJwsHeader(header, algorithms, 'passport'));
    if (candidates.length === 0) {
      keys.keyUnknown();
      throw refuse(
        'ERR_PASSPORT_KEY_UNKNOWN',
        'The passport was signed with a key this service does not know.',
      );
    }
    const decision = { candidates };
    headerDecisions.set(segment, decision, Number.POSITIVE_INFINITY);
    return decision;
  }

  return {
    mode: 'signed',
    canEncode: signer !== undefined,

    decode(token, limits, nowSeconds) {
      const claims = verifiedJwsPayload(
        token,
        limits,
        'passport',
        (segment) => decideHeader(segment, limits).candidates,
      );
      checkTimeClaims(claims, nowSeconds, tolerance, true);
      checkIssuer(claims, issuer);
      checkAudience(claims, audience);
      checkSubject(claims);
      return claims;
    },

    encode(claims, nowSeconds, encodeOptions) {
      const signer = currentSigner();
      if (signer === undefined || signedHeader === undefined) {
        throw refuse(
          'ERR_PASSPORT_CANNOT_ISSUE',
          'This relay has no signing key: pass signedCodec({ signingKey }) where passports are minted (the edge).',
        );
      }
      if (typeof claims?.sub !== 'string' || claims.sub.length === 0) {
        throw refuse(
          'ERR_PASSPORT_CANNOT_ISSUE',
          'A passport needs a non-empty "sub" (the caller).',
        );
      }
      const cap = encodeOptions?.expiresAtMost;
      if (cap !== undefined && (!Number.isFinite(cap) || cap <= nowSeconds)) {
        throw refuse(
          'ERR_PASSPORT_CANNOT_ISSUE',
          'expiresAtMost is not in the future: the credential the passport would come from has expired.',
        );
      }
      const payload: Record<string, unknown> = {
        ...claims,
        iat: nowSeconds,
        exp: Math.min(nowSeconds + ttlSeconds, cap ?? Number.POSITIVE_INFINITY),
        jti: randomUUID(),
      };
      if (issuer !== undefined) payload.iss = issuer;
      if (audience !== undefined) payload.aud = audience.length === 1 ? audience[0] : audience;
      const signingInput = `${signedHeader}.${encodeBase64url(JSON.stringify(payload))}`;
      return `${signingInput}.${encodeBase64url(signer.sign(signingInput))}`;
    },
  };
}

function protectedHeader(signer: ResolvedSigner): string {
  return encodeBase64url(
    JSON.stringify(
      signer.kid === undefined
        ? { alg: signer.alg, typ: 'JWT' }
        : { alg: signer.alg, kid: signer.kid, typ: 'JWT' },
    ),
  );
}
