import {
  type IRequestAuthentication,
  RequestAuthentication,
} from '@kubernetes-models/istio/security.istio.io/v1/RequestAuthentication';
import { IstioOptionsError } from './errors.js';
import { metadata } from './internal/metadata.js';
import { gatewayTargetRefs } from './internal/target-refs.js';
import {
  type IstioManifestOptions,
  type ResolvedIstioOptions,
  resolveIstioOptions,
} from './options.js';

/** @internal Build from resolved options. */
export function buildWorkloadTxnTokenAuthentication(
  options: ResolvedIstioOptions,
): RequestAuthentication {
  const { profile, trustDomain, txnTokenHeader, issuer, jwksUri } = options;
  if (
    profile !== 'txn-token' ||
    trustDomain === undefined ||
    txnTokenHeader === undefined ||
    issuer === undefined ||
    jwksUri === undefined
  ) {
    throw new IstioOptionsError(
      'profile',
      'workloadTxnTokenAuthentication is for profile "txn-token": give profile, trustDomain, issuer and jwksUri.',
    );
  }
  return new RequestAuthentication({
    metadata: metadata('passport-relay-txn-token', options.namespace),
    spec: {
      // Sidecar: no selector, so every workload of the namespace verifies. Ambient: ztunnel has no
      // HTTP, so the waypoint, which sees every request to the namespace, verifies.
      ...(options.waypointName === undefined
        ? {}
        : { targetRefs: gatewayTargetRefs(options.waypointName) }),
      jwtRules: [
        {
          issuer,
          jwksUri,
          audiences: [trustDomain],
          // Only this header: without fromHeaders Envoy would also take a Bearer token from
          // Authorization (a user's access token) as the request principal.
          fromHeaders: [{ name: txnTokenHeader }],
          // The draft: a Txn-Token is forwarded unmodified. Istio removes a verified token unless
          // told to keep it, and the SDK behind the proxy verifies and forwards it too.
          forwardOriginalToken: true,
        },
      ],
    } as NonNullable<IRequestAuthentication['spec']>,
  });
}

/**
 * Profile `txn-token`: the RequestAuthentication that makes every workload's proxy verify the
 * Txn-Token in `txnTokenHeader` (default `txn-token`) before the app runs: the signature against
 * the issuer's JWKS, `iss`, `aud` equal to `trustDomain`, `exp` (and `nbf`). A forged, expired or
 * foreign token is refused with 401. The token is forwarded unmodified (`forwardOriginalToken`).
 *
 * Envoy's `jwt_authn` does not check the `typ` header (`txntoken+jwt`) nor the draft's required
 * claims (`txn`, `sub`, `scope`, `req_wl`): the SDK in each service does. On its own it lets
 * requests WITHOUT a token through (Istio only rejects invalid tokens); pair it with
 * {@link requireTxnTokenPolicy}.
 *
 * Sidecar mode: namespace-wide (no selector: every workload). Ambient mode: attached by
 * `targetRefs` to the waypoint.
 *
 * @example
 * ```ts
 * workloadTxnTokenAuthentication({
 *   namespace: 'shop',
 *   profile: 'txn-token',
 *   trustDomain: 'shop.example.com',
 *   issuer: 'https://tts.example.com',
 *   jwksUri: 'https://tts.example.com/.well-known/jwks.json',
 * }).spec?.jwtRules?.[0]?.fromHeaders; // [{ name: 'txn-token' }]
 * ```
 */
export function workloadTxnTokenAuthentication(
  options: IstioManifestOptions,
): RequestAuthentication {
  return buildWorkloadTxnTokenAuthentication(resolveIstioOptions(options));
}
