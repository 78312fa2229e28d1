import { AuthorizationPolicy } from '@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy';
import { IstioOptionsError } from './errors.js';
import { metadata } from './internal/metadata.js';
import {
  type IstioManifestOptions,
  type ResolvedIstioOptions,
  resolveIstioOptions,
} from './options.js';

/** @internal Build from resolved options. */
export function buildEdgeIngressPolicy(options: ResolvedIstioOptions): AuthorizationPolicy {
  if (options.mode !== 'signed' || options.edgeSelector === undefined) {
    throw new IstioOptionsError(
      'mode',
      'edgeIngressPolicy is for mode "signed": in plain mode the ingress itself mints the passport.',
    );
  }
  return new AuthorizationPolicy({
    metadata: metadata('passport-relay-edge-ingress', options.namespace),
    spec: {
      selector: { matchLabels: { ...options.edgeSelector } },
      action: 'ALLOW',
      rules: [{ from: [{ source: { principals: [...options.gatewayPrincipals] } }] }],
    },
  });
}

/**
 * Signed mode: the AuthorizationPolicy that lets the ingress gateway (`gatewayPrincipals`) call
 * the edge service (`edgeSelector`) without a passport: that is where requests arrive with only
 * the user's token, and where the passport is minted. No other workload accepts passport-less
 * requests from the ingress.
 *
 * @example
 * ```ts
 * edgeIngressPolicy({ namespace: 'shop', edgeSelector: { app: 'edge' } });
 * ```
 */
export function edgeIngressPolicy(options: IstioManifestOptions): AuthorizationPolicy {
  return buildEdgeIngressPolicy(resolveIstioOptions(options));
}
