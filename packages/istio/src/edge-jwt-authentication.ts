import {
  type IRequestAuthentication,
  RequestAuthentication,
} from '@kubernetes-models/istio/security.istio.io/v1/RequestAuthentication';
import { IstioOptionsError } from './errors.js';
import { gatewayObjectName, metadata } from './internal/metadata.js';
import { ingressAttachment } from './internal/target-refs.js';
import {
  type IstioManifestOptions,
  type ResolvedIstioOptions,
  resolveIstioOptions,
} from './options.js';

/** @internal Build from resolved options. */
export function buildEdgeJwtAuthentication(options: ResolvedIstioOptions): RequestAuthentication {
  if (options.mode !== 'plain' || options.issuer === undefined || options.jwksUri === undefined) {
    throw new IstioOptionsError(
      'mode',
      'edgeJwtAuthentication is for mode "plain": in signed mode the edge service verifies tokens.',
    );
  }
  return new RequestAuthentication({
    metadata: metadata(gatewayObjectName(options.namespace, 'edge-jwt'), options.gatewayNamespace),
    // `targetRefs` (Istio >= 1.22) is not in the 2.x models' types, hence the cast.
    spec: {
      ...ingressAttachment(options),
      jwtRules: [
        {
          issuer: options.issuer,
          jwksUri: options.jwksUri,
          ...(options.audiences.length > 0 ? { audiences: [...options.audiences] } : {}),
          outputPayloadToHeader: options.header,
          forwardOriginalToken: false,
        },
      ],
    } as NonNullable<IRequestAuthentication['spec']>,
  });
}

/**
 * Plain mode: the RequestAuthentication that makes the ingress gateway verify the user's JWT and
 * write its payload (base64url JSON, what `@passport-relay/core`'s plain codec reads) to the
 * passport header. The token itself is not forwarded.
 *
 * On its own it lets requests WITHOUT a token through (Istio only rejects invalid tokens); pair it
 * with {@link edgeRequireJwtPolicy}. Created in `gatewayNamespace`, selecting `gatewaySelector`, or
 * attached by `targetRefs` to the Gateway API Gateway `gatewayName`.
 *
 * @example
 * ```ts
 * edgeJwtAuthentication({
 *   namespace: 'shop',
 *   mode: 'plain',
 *   issuer: 'https://issuer.example.com',
 *   jwksUri: 'https://issuer.example.com/.well-known/jwks.json',
 * });
 * ```
 */
export function edgeJwtAuthentication(options: IstioManifestOptions): RequestAuthentication {
  return buildEdgeJwtAuthentication(resolveIstioOptions(options));
}
