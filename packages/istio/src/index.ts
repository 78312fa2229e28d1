export { edgeIngressPolicy } from './edge-ingress-policy.js';
export { edgeJwtAuthentication } from './edge-jwt-authentication.js';
export { edgeRequireJwtPolicy } from './edge-require-jwt-policy.js';
export { IstioOptionsError } from './errors.js';
export { stripPassportToExternalHosts } from './external-hosts.js';
export { type IstioManifest, passportManifests } from './manifests.js';
export { onlyViaWaypointPolicy } from './only-via-waypoint-policy.js';
export {
  type Dataplane,
  DEFAULT_EDGE_SELECTOR,
  DEFAULT_EDGE_SERVICE,
  DEFAULT_GATEWAY_NAMESPACE,
  DEFAULT_PASSPORT_HEADER,
  DEFAULT_TXN_TOKEN_HEADER,
  DEFAULT_WAYPOINT_NAME,
  GATEWAY_NAME_LABEL,
  ISTIOCTL_GATEWAY_SELECTOR,
  ISTIOCTL_GATEWAY_SERVICE_ACCOUNT,
  type IstioManifestOptions,
  type LabelSelector,
  type PassportMode,
  type ResolvedIstioOptions,
  resolveIstioOptions,
  type TokenProfile,
} from './options.js';
export { requirePassportPolicy } from './require-passport-policy.js';
export { requireTxnTokenPolicy } from './require-txn-token-policy.js';
export { strictMtlsPolicy } from './strict-mtls-policy.js';
export { STRIP_FILTER_NAME, stripClientPassportFilter } from './strip-client-passport.js';
export { toYaml } from './to-yaml.js';
export { WAYPOINT_FOR_LABEL, type WaypointGateway, waypointGateway } from './waypoint.js';
export { workloadTxnTokenAuthentication } from './workload-txn-token-authentication.js';
