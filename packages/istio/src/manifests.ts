import type { EnvoyFilter } from '@kubernetes-models/istio/networking.istio.io/v1alpha3/EnvoyFilter';
import type { VirtualService } from '@kubernetes-models/istio/networking.istio.io/v1beta1/VirtualService';
import type { AuthorizationPolicy } from '@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy';
import type { RequestAuthentication } from '@kubernetes-models/istio/security.istio.io/v1/RequestAuthentication';
import type { PeerAuthentication } from '@kubernetes-models/istio/security.istio.io/v1beta1/PeerAuthentication';
import { buildEdgeIngressPolicy } from './edge-ingress-policy.js';
import { buildEdgeJwtAuthentication } from './edge-jwt-authentication.js';
import { buildEdgeRequireJwtPolicy } from './edge-require-jwt-policy.js';
import { buildStripPassportToExternalHosts } from './external-hosts.js';
import { buildOnlyViaWaypointPolicy } from './only-via-waypoint-policy.js';
import {
  type IstioManifestOptions,
  type ResolvedIstioOptions,
  resolveIstioOptions,
} from './options.js';
import { buildRequirePassportPolicy } from './require-passport-policy.js';
import { buildRequireTxnTokenPolicy } from './require-txn-token-policy.js';
import { buildStrictMtlsPolicy } from './strict-mtls-policy.js';
import { buildStripClientPassportFilter } from './strip-client-passport.js';
import { buildWaypointGateway, type WaypointGateway } from './waypoint.js';
import { buildWorkloadTxnTokenAuthentication } from './workload-txn-token-authentication.js';

/**
 * Any manifest this package builds: an `@kubernetes-models/istio` model instance (with `toJSON()`
 * and the model's `validate()`), or the ambient waypoint's Gateway API `Gateway`.
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
  | VirtualService
  | WaypointGateway;

/**
 * The manifests, in apply order: each entry says when it applies and builds from the resolved
 * options. To add a manifest kind, write its builder in its own file and add a line here; every
 * test layer (CRD schema, CEL rules, Envoy types, committed output) then checks it.
 */
const BUILDERS: readonly {
  readonly when: (options: ResolvedIstioOptions) => boolean;
  readonly build: (options: ResolvedIstioOptions) => IstioManifest | readonly IstioManifest[];
}[] = [
  { when: () => true, build: buildStripClientPassportFilter },
  { when: (o) => o.mode === 'plain', build: buildEdgeJwtAuthentication },
  { when: (o) => o.mode === 'plain', build: buildEdgeRequireJwtPolicy },
  { when: () => true, build: buildStrictMtlsPolicy },
  { when: (o) => o.dataplane === 'ambient', build: buildWaypointGateway },
  { when: (o) => o.dataplane === 'ambient', build: buildOnlyViaWaypointPolicy },
  { when: (o) => o.profile === 'passport', build: buildRequirePassportPolicy },
  { when: (o) => o.profile === 'txn-token', build: buildWorkloadTxnTokenAuthentication },
  { when: (o) => o.profile === 'txn-token', build: buildRequireTxnTokenPolicy },
  { when: (o) => o.mode === 'signed', build: buildEdgeIngressPolicy },
  { when: () => true, build: buildStripPassportToExternalHosts },
];

/**
 * Every manifest passport-relay needs for one namespace, in apply order:
 *
 * 1. {@link stripClientPassportFilter} (gateway namespace): client passports removed first.
 * 2. Plain mode: {@link edgeJwtAuthentication} and {@link edgeRequireJwtPolicy} (gateway
 *    namespace): the ingress verifies the user's JWT, mints the passport, refuses requests
 *    without a token.
 * 3. {@link strictMtlsPolicy}: STRICT mTLS in the namespace.
 * 4. Ambient: {@link waypointGateway} and {@link onlyViaWaypointPolicy}: the waypoint, and
 *    ztunnel lets only it reach the namespace's workloads.
 * 5. {@link requirePassportPolicy}: workloads accept only requests with a passport, from the
 *    namespace (and the ingress in plain mode); in ambient mode enforced by the waypoint.
 *    Profile `txn-token` instead: {@link workloadTxnTokenAuthentication} and
 *    {@link requireTxnTokenPolicy}: every workload (the waypoint in ambient mode) verifies the
 *    Txn-Token and accepts only requests from the namespace that carry a valid one.
 * 6. Signed mode: {@link edgeIngressPolicy}: the ingress may call the edge service.
 * 7. {@link stripPassportToExternalHosts}: one VirtualService per external host (sidecar).
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
  return BUILDERS.filter(({ when }) => when(resolved)).flatMap(({ build }) => build(resolved));
}
