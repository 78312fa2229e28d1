import { PeerAuthentication } from '@kubernetes-models/istio/security.istio.io/v1beta1/PeerAuthentication';
import { metadata } from './internal/metadata.js';
import {
  type IstioManifestOptions,
  type ResolvedIstioOptions,
  resolveIstioOptions,
} from './options.js';

/** @internal Build from resolved options. */
export function buildStrictMtlsPolicy(options: ResolvedIstioOptions): PeerAuthentication {
  return new PeerAuthentication({
    metadata: metadata('default', options.namespace),
    spec: { mtls: { mode: 'STRICT' } },
  });
}

/**
 * The namespace-wide PeerAuthentication that turns on STRICT mutual TLS: workloads in `namespace`
 * accept only mTLS traffic, so every caller has a verified identity the AuthorizationPolicies can
 * check, and no one can reach a pod around its sidecar.
 *
 * Named `default`, as Istio's docs name namespace-wide policies (Istio honours only the oldest
 * namespace-wide PeerAuthentication, so this one replaces any `default` you had rather than being
 * silently ignored next to it).
 *
 * @example
 * ```ts
 * strictMtlsPolicy({ namespace: 'shop' }).spec; // { mtls: { mode: 'STRICT' } }
 * ```
 */
export function strictMtlsPolicy(options: IstioManifestOptions): PeerAuthentication {
  return buildStrictMtlsPolicy(resolveIstioOptions(options));
}
