import { VirtualService } from '@kubernetes-models/istio/networking.istio.io/v1beta1/VirtualService';
import { metadata } from './internal/metadata.js';
import {
  type IstioManifestOptions,
  type ResolvedIstioOptions,
  resolveIstioOptions,
} from './options.js';

/** @internal Build from resolved options. */
export function buildStripPassportToExternalHosts(options: ResolvedIstioOptions): VirtualService[] {
  return options.externalHosts.map(
    (host) =>
      new VirtualService({
        metadata: metadata(`passport-relay-strip-passport-${host}`, options.namespace),
        spec: {
          hosts: [host],
          exportTo: ['.'],
          http: [
            {
              name: 'strip-passport',
              headers: { request: { remove: [options.header] } },
              route: [{ destination: { host } }],
            },
          ],
        },
      }),
  );
}

/**
 * One VirtualService per external host: the sidecars of `namespace` remove the passport from
 * every plain-HTTP request to that host. Defence in depth: the SDK never sends the passport to a
 * host off its allowlist in the first place.
 *
 * A route-level `remove` is right here (unlike at the ingress) because nothing on the outbound
 * path mints a passport that it could wrongly delete. Each host must be declared in a
 * ServiceEntry with an HTTP port; `exportTo: ["."]` keeps the rule to this namespace. It cannot
 * touch HTTPS the application encrypts itself: the sidecar only sees TLS bytes there.
 *
 * @example
 * ```ts
 * stripPassportToExternalHosts({ namespace: 'shop', externalHosts: ['api.stripe.com'] });
 * ```
 */
export function stripPassportToExternalHosts(options: IstioManifestOptions): VirtualService[] {
  return buildStripPassportToExternalHosts(resolveIstioOptions(options));
}
