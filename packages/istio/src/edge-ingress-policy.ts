import {
  AuthorizationPolicy,
  type IAuthorizationPolicy,
} from '@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy';
import { IstioOptionsError } from './errors.js';
import { metadata } from './internal/metadata.js';
import { serviceTargetRefs } from './internal/target-refs.js';
import {
  type IstioManifestOptions,
  type ResolvedIstioOptions,
  resolveIstioOptions,
} from './options.js';

/** @internal Build from resolved options. */
export function buildEdgeIngressPolicy(options: ResolvedIstioOptions): AuthorizationPolicy {
  if (options.mode !== 'signed') {
    throw new IstioOptionsError(
      'mode',
      'edgeIngressPolicy is for mode "signed": in plain mode the ingress itself mints the passport.',
    );
  }
  return new AuthorizationPolicy({
    metadata: metadata('passport-relay-edge-ingress', options.namespace),
    spec: {
      // Sidecar: the edge pods' own sidecars enforce it. Ambient: the waypoint, for the edge Service.
      ...(options.edgeService === undefined
        ? { selector: { matchLabels: { ...options.edgeSelector } } }
        : { targetRefs: serviceTargetRefs(options.edgeService) }),
      action: 'ALLOW',
      rules: [{ from: [{ source: { principals: [...options.gatewayPrincipals] } }] }],
    } as NonNullable<IAuthorizationPolicy['spec']>,
  });
}

/**
 * Signed mode: the AuthorizationPolicy that lets the ingress gateway (`gatewayPrincipals`) call
 * the edge service (`edgeSelector`) without a passport: that is where requests arrive with only
 * the user's token, and where the passport is minted. No other workload accepts passport-less
 * requests from the ingress.
 *
 * Sidecar mode: it selects the edge pods (`edgeSelector`). Ambient mode: it attaches by
 * `targetRefs` to the edge `Service` (`edgeService`), and the waypoint enforces it.
 *
 * @example
 * ```ts
 * edgeIngressPolicy({ namespace: 'shop', edgeSelector: { app: 'edge' } });
 * ```
 */
export function edgeIngressPolicy(options: IstioManifestOptions): AuthorizationPolicy {
  return buildEdgeIngressPolicy(resolveIstioOptions(options));
}
