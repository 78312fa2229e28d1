import type { PassportCodec } from './codec.js';
import { refuse } from './errors.js';
import { decodeBase64url, encodeBase64url } from './internal/base64url.js';
import { checkSubject, checkTimeClaims } from './internal/claim-checks.js';
import { parseClaims } from './internal/claims-json.js';
import { checkOptions, numberOption } from './option-checks.js';

/**
 * Options of {@link plainCodecTrustingMesh}.
 *
 * @example
 * ```ts
 * plainCodecTrustingMesh({ clockToleranceSeconds: 10 } satisfies PlainCodecOptions);
 * ```
 */
export interface PlainCodecOptions {
  /**
   * Clock skew tolerated on `exp` and `nbf` when the payload carries them.
   * @default 5
   */
  readonly clockToleranceSeconds?: number;
}

const PADDED_BASE64URL = /^([A-Za-z0-9_-]*)={0,2}$/;

/**
 * Passports as base64url JSON (padded or not): exactly what Istio's
 * `RequestAuthentication.jwtRules[].outputPayloadToHeader` emits, so the ingress can mint them with
 * no gateway code.
 *
 * The value carries no signature. Its integrity comes from the mesh: STRICT mTLS, an
 * AuthorizationPolicy that only lets the gateway and your workloads call, and an ingress filter that
 * strips client-supplied values. Use it only there; hence the name.
 *
 * @example
 * ```ts
 * const relay = createRelay({ codec: plainCodecTrustingMesh() });
 * ```
 */
export function plainCodecTrustingMesh(options?: PlainCodecOptions): PassportCodec {
  const checked = checkOptions('plainCodecTrustingMesh', options, {
    known: ['clockToleranceSeconds'],
    example: 'plainCodecTrustingMesh({ clockToleranceSeconds: 5 })',
  });
  const tolerance = numberOption(
    'plainCodecTrustingMesh',
    'clockToleranceSeconds',
    checked.clockToleranceSeconds,
    { min: 0, max: 300, fallback: 5 },
  );
  return {
    mode: 'plain',
    canEncode: true,
    decode(value, limits, nowSeconds) {
      const match = PADDED_BASE64URL.exec(value);
      if (match === null || (value.length !== match[1]!.length && value.length % 4 !== 0)) {
        throw refuse('ERR_PASSPORT_MALFORMED', 'The passport is not base64url JSON.');
      }
      const claims = parseClaims(
        decodeBase64url(match[1]!, 'payload').toString('utf8'),
        limits,
        'payload',
      );
      checkTimeClaims(claims, nowSeconds, tolerance, false);
      checkSubject(claims);
      return claims;
    },
    encode(claims, _nowSeconds, encodeOptions) {
      if (typeof claims?.sub !== 'string' || claims.sub.length === 0) {
        throw refuse(
          'ERR_PASSPORT_CANNOT_ISSUE',
          'A passport needs a non-empty "sub" (the caller).',
        );
      }
      const cap = encodeOptions?.expiresAtMost;
      const own = typeof claims.exp === 'number' ? claims.exp : Number.POSITIVE_INFINITY;
      const payload = cap === undefined ? claims : { ...claims, exp: Math.min(own, cap) };
      return encodeBase64url(JSON.stringify(payload));
    },
  };
}
