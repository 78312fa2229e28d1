import type { EnvoyFilter } from '@kubernetes-models/istio/networking.istio.io/v1alpha3/EnvoyFilter';
import type { VirtualService } from '@kubernetes-models/istio/networking.istio.io/v1beta1/VirtualService';
import type { AuthorizationPolicy } from '@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy';
import type { RequestAuthentication } from '@kubernetes-models/istio/security.istio.io/v1/RequestAuthentication';
import type { PeerAuthentication } from '@kubernetes-models/istio/security.istio.io/v1beta1/PeerAuthentication';
import { buildEdgeIngressPolicy } from './edge-ingress-policy.js';
import { buildEdgeJwtAuthentication } from './edge-jwt-authentication.js';
import { buildEdgeRequireJwtPolicy } from './edge-require-jwt-policy.js';
import { buildStripPassportToExternalHosts } from './external-hosts.js';
import { type IstioManifestOptions, resolveIstioOptions } from './options.js';
import { buildRequirePassportPolicy } from './require-passport-policy.js';
import { buildStrictMtlsPolicy } from './strict-mtls-policy.js';
import { buildStripClientPassportFilter } from './strip-client-passport.js';

/**
 * Any manifest this package builds: an `@kubernetes-models/istio` model instance, with `toJSON()`
 * and the model's `validate()`.
 *
 * @example
 * ```ts
 * const manifests: IstioManifest[] = passportManifests({ namespace: 'shop' });
 * ```
 */
export type IstioManifest =
  | EnvoyFilter
  | RequestAuthentication
  | AuthorizationPolicy
  | PeerAuthentication
  | VirtualService;

/**
 * Every manifest passport-relay needs for one namespace, in apply order:
 *
 * 1. {@link stripClientPassportFilter} (gateway namespace): client passports removed first.
 * 2. Plain mode: {@link edgeJwtAuthentication} and {@link edgeRequireJwtPolicy} (gateway
 *    namespace): the ingress verifies the user's JWT, mints the passport, refuses requests
 *    without a token.
 * 3. {@link strictMtlsPolicy}: STRICT mTLS in the namespace.
 * 4. {@link requirePassportPolicy}: workloads accept only requests with a passport, from the
 *    namespace (and the ingress in plain mode).
 * 5. Signed mode: {@link edgeIngressPolicy}: the ingress may call the edge service.
 * 6. {@link stripPassportToExternalHosts}: one VirtualService per external host.
 *
 * @throws {IstioOptionsError} for a bad option, before anything is built.
 * @example
 * ```ts
 * import { passportManifests, toYaml } from '@passport-relay/istio';
 *
 * process.stdout.write(toYaml(passportManifests({ namespace: 'shop' })));
 * ```
 */
export function passportManifests(options: IstioManifestOptions): IstioManifest[] {
  const resolved = resolveIstioOptions(options);
  const manifests: IstioManifest[] = [buildStripClientPassportFilter(resolved)];
  if (resolved.mode === 'plain') {
    manifests.push(buildEdgeJwtAuthentication(resolved), buildEdgeRequireJwtPolicy(resolved));
  }
  manifests.push(buildStrictMtlsPolicy(resolved), buildRequirePassportPolicy(resolved));
  if (resolved.mode === 'signed') {
    manifests.push(buildEdgeIngressPolicy(resolved));
  }
  manifests.push(...buildStripPassportToExternalHosts(resolved));
  return manifests;
}
