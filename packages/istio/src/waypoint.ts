import { IstioOptionsError } from './errors.js';
import { metadata, type ObjectMeta } from './internal/metadata.js';
import {
  type IstioManifestOptions,
  type ResolvedIstioOptions,
  resolveIstioOptions,
} from './options.js';

/**
 * A Kubernetes Gateway API `Gateway` (`gateway.networking.k8s.io/v1`), as this package emits it:
 * the waypoint of ambient mode. A plain object with `toJSON()`, like the Istio models (the
 * Gateway API models need Node 22; this package supports Node 20).
 *
 * @example
 * ```ts
 * const gateway: WaypointGateway = waypointGateway({ namespace: 'shop', dataplane: 'ambient' });
 * gateway.spec.gatewayClassName; // 'istio-waypoint'
 * ```
 */
export interface WaypointGateway {
  readonly apiVersion: 'gateway.networking.k8s.io/v1';
  readonly kind: 'Gateway';
  readonly metadata: ObjectMeta;
  readonly spec: {
    readonly gatewayClassName: 'istio-waypoint';
    readonly listeners: readonly {
      readonly name: string;
      readonly port: number;
      readonly protocol: string;
    }[];
  };
  toJSON(): Record<string, unknown>;
}

/** The label that says which traffic a waypoint handles; `service`: traffic to Services. */
export const WAYPOINT_FOR_LABEL = 'istio.io/waypoint-for';

/** @internal Build from resolved options. */
export function buildWaypointGateway(options: ResolvedIstioOptions): WaypointGateway {
  if (options.waypointName === undefined) {
    throw new IstioOptionsError(
      'dataplane',
      'waypointGateway is for dataplane "ambient": sidecars enforce policy in each pod.',
    );
  }
  const meta = metadata(options.waypointName, options.namespace);
  const object = {
    apiVersion: 'gateway.networking.k8s.io/v1' as const,
    kind: 'Gateway' as const,
    metadata: { ...meta, labels: { ...meta.labels, [WAYPOINT_FOR_LABEL]: 'service' } },
    spec: {
      gatewayClassName: 'istio-waypoint' as const,
      // What `istioctl waypoint generate` writes: the HBONE listener ztunnel forwards to.
      listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }],
    },
  };
  return {
    ...object,
    toJSON: () => JSON.parse(JSON.stringify(object)) as Record<string, unknown>,
  };
}

/**
 * Ambient mode: the waypoint (`Gateway` of class `istio-waypoint`, named `waypointName`, in
 * `namespace`) that enforces the passport requirement: ztunnel cannot read HTTP headers. It only
 * receives traffic once you label the namespace (or Services) `istio.io/use-waypoint=<name>`,
 * and ingress traffic once you label them `istio.io/ingress-use-waypoint=true`.
 *
 * @example
 * ```ts
 * toYaml(waypointGateway({ namespace: 'shop', dataplane: 'ambient' }));
 * ```
 */
export function waypointGateway(options: IstioManifestOptions): WaypointGateway {
  return buildWaypointGateway(resolveIstioOptions(options));
}
