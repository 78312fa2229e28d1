import {
  AuthorizationPolicy,
  type IAuthorizationPolicy,
} from '@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy';
import { IstioOptionsError } from './errors.js';
import { metadata } from './internal/metadata.js';
import {
  type IstioManifestOptions,
  type ResolvedIstioOptions,
  resolveIstioOptions,
} from './options.js';

/** @internal Build from resolved options. */
export function buildOnlyViaWaypointPolicy(options: ResolvedIstioOptions): AuthorizationPolicy {
  if (options.waypointName === undefined) {
    throw new IstioOptionsError(
      'dataplane',
      'onlyViaWaypointPolicy is for dataplane "ambient": with sidecars every pod enforces its own policy.',
    );
  }
  return new AuthorizationPolicy({
    metadata: metadata('passport-relay-only-via-waypoint', options.namespace),
    spec: {
      // No selector and no targetRefs: namespace-wide, enforced by ztunnel on every workload. It is
      // L4 only (principals), which ztunnel can enforce.
      action: 'ALLOW',
      rules: [
        {
          from: [
            {
              source: {
                // Istio deploys a waypoint with a service account named after its Gateway.
                principals: [`cluster.local/ns/${options.namespace}/sa/${options.waypointName}`],
              },
            },
          ],
        },
      ],
    } as NonNullable<IAuthorizationPolicy['spec']>,
  });
}

/**
 * Ambient mode: the namespace-wide L4 AuthorizationPolicy (enforced by ztunnel) that lets only the
 * waypoint connect to the namespace's workloads. Without it a caller could reach a pod directly
 * (by pod IP, or from an ingress not labelled to use the waypoint) and skip the waypoint, where
 * the passport is required. Assumes the trust domain `cluster.local`.
 *
 * @example
 * ```ts
 * onlyViaWaypointPolicy({ namespace: 'shop', dataplane: 'ambient' }).spec?.rules?.[0]?.from;
 * // [{ source: { principals: ['cluster.local/ns/shop/sa/waypoint'] } }]
 * ```
 */
export function onlyViaWaypointPolicy(options: IstioManifestOptions): AuthorizationPolicy {
  return buildOnlyViaWaypointPolicy(resolveIstioOptions(options));
}
