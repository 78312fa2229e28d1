import type { ResolvedIstioOptions } from '../options.js';

/** A policy's attachment to a Gateway API `Gateway` or a `Service` (Istio's `targetRefs`). */
export interface TargetRef {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
}

/** The Gateway API group, in which both ingress Gateways and waypoints live. */
export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

/** Attach to a Gateway API `Gateway` (an ingress or a waypoint) in the policy's own namespace. */
export function gatewayTargetRefs(name: string): TargetRef[] {
  return [{ group: GATEWAY_API_GROUP, kind: 'Gateway', name }];
}

/** Attach to a core `Service` (its waypoint enforces the policy). */
export function serviceTargetRefs(name: string): TargetRef[] {
  return [{ group: '', kind: 'Service', name }];
}

/**
 * How an ingress policy picks the ingress: by `targetRefs` to a Gateway API Gateway (Istio
 * supports it for RequestAuthentication and AuthorizationPolicy), else by pod labels.
 */
export function ingressAttachment(
  options: ResolvedIstioOptions,
): { targetRefs: TargetRef[] } | { selector: { matchLabels: Record<string, string> } } {
  return options.gatewayName === undefined
    ? { selector: { matchLabels: { ...options.gatewaySelector } } }
    : { targetRefs: gatewayTargetRefs(options.gatewayName) };
}
