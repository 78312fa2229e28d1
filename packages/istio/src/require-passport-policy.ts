import {
  AuthorizationPolicy,
  type IAuthorizationPolicy,
} from '@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy';
import { metadata } from './internal/metadata.js';
import { gatewayTargetRefs } from './internal/target-refs.js';
import {
  type IstioManifestOptions,
  type ResolvedIstioOptions,
  resolveIstioOptions,
} from './options.js';

/** @internal Build from resolved options. */
export function buildRequirePassportPolicy(options: ResolvedIstioOptions): AuthorizationPolicy {
  const sources: { source: { namespaces?: string[]; principals?: string[] } }[] = [
    { source: { namespaces: [options.namespace] } },
  ];
  if (options.mode === 'plain') {
    sources.push({ source: { principals: [...options.gatewayPrincipals] } });
  }
  return new AuthorizationPolicy({
    metadata: metadata('passport-relay-require-passport', options.namespace),
    spec: {
      // Ambient: ztunnel cannot read headers (an L7 rule there fails closed, denying everything),
      // so the policy attaches to the waypoint, which sees every request to the namespace.
      ...(options.waypointName === undefined
        ? {}
        : { targetRefs: gatewayTargetRefs(options.waypointName) }),
      action: 'ALLOW',
      rules: [
        {
          from: sources,
          // "*" is Istio's presence match (Envoy `present_match`). `notValues: [""]` would not do:
          // Istio's webhook refuses empty values, and a missing header never equals "", so the
          // negation would let requests without a passport through.
          when: [{ key: `request.headers[${options.header}]`, values: ['*'] }],
        },
      ],
    } as NonNullable<IAuthorizationPolicy['spec']>,
  });
}

/**
 * The namespace-wide ALLOW AuthorizationPolicy: a request reaches a workload in `namespace` only
 * if it carries the passport header AND comes over mTLS from a workload of the same namespace
 * (and, in plain mode, from the ingress gateway, which mints it). Everything else is denied.
 *
 * The mesh checks that a passport is present; the SDK in each service checks that it is valid
 * (signed mode). In signed mode the edge service also gets {@link edgeIngressPolicy}, since the
 * ingress calls it before any passport exists.
 *
 * Ambient mode: attached by `targetRefs` to the waypoint `waypointName`; it holds for requests
 * that pass the waypoint, which {@link onlyViaWaypointPolicy} makes every request.
 *
 * @example
 * ```ts
 * requirePassportPolicy({ namespace: 'shop' }).spec?.rules?.[0]?.when;
 * // [{ key: 'request.headers[passport]', values: ['*'] }]
 * ```
 */
export function requirePassportPolicy(options: IstioManifestOptions): AuthorizationPolicy {
  return buildRequirePassportPolicy(resolveIstioOptions(options));
}
