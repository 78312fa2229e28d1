import {
  AuthorizationPolicy,
  type IAuthorizationPolicy,
} from '@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy';
import { IstioOptionsError } from './errors.js';
import { gatewayObjectName, metadata } from './internal/metadata.js';
import { ingressAttachment } from './internal/target-refs.js';
import {
  type IstioManifestOptions,
  type ResolvedIstioOptions,
  resolveIstioOptions,
} from './options.js';

/** @internal Build from resolved options. */
export function buildEdgeRequireJwtPolicy(options: ResolvedIstioOptions): AuthorizationPolicy {
  if (options.mode !== 'plain') {
    throw new IstioOptionsError(
      'mode',
      'edgeRequireJwtPolicy is for mode "plain": in signed mode the edge service refuses requests without a token.',
    );
  }
  return new AuthorizationPolicy({
    metadata: metadata(
      gatewayObjectName(options.namespace, 'edge-require-jwt'),
      options.gatewayNamespace,
    ),
    spec: {
      ...ingressAttachment(options),
      action: 'DENY',
      rules: [
        {
          from: [{ source: { notRequestPrincipals: ['*'] } }],
          ...(options.gatewayHosts.length > 0
            ? { to: [{ operation: { hosts: [...options.gatewayHosts] } }] }
            : {}),
        },
      ],
    } as NonNullable<IAuthorizationPolicy['spec']>,
  });
}

/**
 * Plain mode: the AuthorizationPolicy that makes the ingress refuse (403) requests that carry no
 * valid JWT, so that every request past the ingress carries a minted passport. DENY with
 * `notRequestPrincipals: ["*"]`, limited to `gatewayHosts` when given. Selects `gatewaySelector`,
 * or attaches by `targetRefs` to the Gateway API Gateway `gatewayName`.
 *
 * @example
 * ```ts
 * edgeRequireJwtPolicy({
 *   namespace: 'shop',
 *   mode: 'plain',
 *   issuer: 'https://issuer.example.com',
 *   jwksUri: 'https://issuer.example.com/.well-known/jwks.json',
 *   gatewayHosts: ['shop.example.com'],
 * });
 * ```
 */
export function edgeRequireJwtPolicy(options: IstioManifestOptions): AuthorizationPolicy {
  return buildEdgeRequireJwtPolicy(resolveIstioOptions(options));
}
