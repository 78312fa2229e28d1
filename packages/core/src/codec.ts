import type { Claims } from './internal/claims-json.js';
import type { ResolvedLimits } from './limits.js';
import type { PassportClaims } from './passport.js';

/**
 * Options of {@link PassportCodec.encode}.
 *
 * @example
 * ```ts
 * relay.issue({ sub: 'user-1' }, { expiresAtMost: userToken.exp } satisfies EncodeOptions);
 * ```
 */
export interface EncodeOptions {
  /**
   * Latest `exp` (seconds since the epoch) the passport may have, e.g. the user token's own `exp`
   * at the edge, so a passport never outlives the credential it was minted from.
   */
  readonly expiresAtMost?: number;
}

/**
 * How a passport is written on the wire. Two ship with core: {@link signedCodec} (the default
 * choice) and {@link plainCodecTrustingMesh} (for meshes that guarantee integrity).
 *
 * @example
 * ```ts
 * const codec: PassportCodec = signedCodec({ keys, issuer });
 * createRelay({ codec });
 * ```
 */
export interface PassportCodec {
  /** `signed` when the value carries its own proof; `plain` when the mesh vouches for it. */
  readonly mode: 'signed' | 'plain';
  /** Decode and check a header value; throws a `PassportError` on any refusal. */
  decode(value: string, limits: ResolvedLimits, nowSeconds: number): Claims;
  /**
   * Encode claims for an outbound header, adding the registered claims this codec owns
   * (`iat`, `exp`, `iss`, ...). Throws `ERR_PASSPORT_CANNOT_ISSUE` when the codec has no signing key.
   */
  encode(claims: PassportClaims, nowSeconds: number, options?: EncodeOptions): string;
  /** Whether {@link PassportCodec.encode} can work: false for a signed codec without a signing key. */
  readonly canEncode: boolean;
  /** The header this format travels on when the relay names none, e.g. `txn-token`. */
  readonly header?: string;
  /** `false` when every value must reach `decode` (a replay check): the relay then never caches. */
  readonly cacheable?: boolean;
}
