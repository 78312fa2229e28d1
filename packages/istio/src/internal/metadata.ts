import type { IPeerAuthentication } from '@kubernetes-models/istio/security.istio.io/v1beta1/PeerAuthentication';

/** Kubernetes object metadata, as the models type it. */
export type ObjectMeta = NonNullable<IPeerAuthentication['metadata']>;

/** The label every manifest carries, so `kubectl get/delete -l` finds them all. */
export const PART_OF_LABEL = 'app.kubernetes.io/part-of';
export const PART_OF_VALUE = 'passport-relay';

/** Object metadata with the passport-relay label. */
export function metadata(name: string, namespace: string): ObjectMeta {
  return { name, namespace, labels: { [PART_OF_LABEL]: PART_OF_VALUE } };
}

/**
 * Name of an object created in the gateway's namespace on behalf of an application namespace.
 * Carrying the application namespace keeps two applications behind one ingress from overwriting
 * each other's objects.
 */
export function gatewayObjectName(namespace: string, purpose: string): string {
  return `passport-relay-${namespace}-${purpose}`;
}
