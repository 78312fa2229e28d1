import {
  AuthorizationPolicy,
  type IAuthorizationPolicy,
} from '@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy';
import { IstioOptionsError } from './errors.js';
import { metadata } from './internal/metadata.js';
import { gatewayTargetRefs } from './internal/target-refs.js';
import {
  type IstioManifestOptions,
  type ResolvedIstioOptions,
  resolveIstioOptions,
} from './options.js';

/** @internal Build from resolved options. */
export function buildRequireTxnTokenPolicy(options: ResolvedIstioOptions): AuthorizationPolicy {
  if (options.profile !== 'txn-token' || options.issuer === undefined) {
    throw new IstioOptionsError(
      'profile',
      'requireTxnTokenPolicy is for profile "txn-token": give profile, trustDomain, issuer and jwksUri.',
    );
  }
  return new AuthorizationPolicy({
    metadata: metadata('passport-relay-require-txn-token', options.namespace),
    spec: {
      ...(options.waypointName === undefined
        ? {}
        : { targetRefs: gatewayTargetRefs(options.waypointName) }),
      action: 'ALLOW',
      rules: [
        {
          from: [
            {
              source: {
                namespaces: [options.namespace],
                // A request principal is "<iss>/<sub>" of a token the RequestAuthentication
                // verified. Naming the issuer, not "*", keeps a token that another
                // RequestAuthentication of the namespace accepts (a user's access token, say)
                // from standing in for a Txn-Token.
                requestPrincipals: [`${options.issuer}/*`],
              },
            },
          ],
        },
      ],
    } as NonNullable<IAuthorizationPolicy['spec']>,
  });
}

/**
 * Profile `txn-token`: the namespace-wide ALLOW AuthorizationPolicy that replaces
 * `requirePassportPolicy`: a request reaches a workload in `namespace` only if it comes over mTLS
 * from a workload of the same namespace AND carries a Txn-Token that
 * {@link workloadTxnTokenAuthentication} verified (request principal `<issuer>/*`). Requests with
 * no token get 403, with an invalid one 401, before the app runs.
 *
 * In signed mode the edge service also gets `edgeIngressPolicy`: the ingress calls it before any
 * Txn-Token exists. Ambient mode: attached by `targetRefs` to the waypoint.
 *
 * @example
 * ```ts
 * requireTxnTokenPolicy({
 *   namespace: 'shop',
 *   profile: 'txn-token',
 *   trustDomain: 'shop.example.com',
 *   issuer: 'https://tts.example.com',
 *   jwksUri: 'https://tts.example.com/.well-known/jwks.json',
 * }).spec?.rules?.[0]?.from?.[0]?.source?.requestPrincipals; // ['https://tts.example.com/*']
 * ```
 */
export function requireTxnTokenPolicy(options: IstioManifestOptions): AuthorizationPolicy {
  return buildRequireTxnTokenPolicy(resolveIstioOptions(options));
}
