import { EnvoyFilter } from '@kubernetes-models/istio/networking.istio.io/v1alpha3/EnvoyFilter';
import { gatewayObjectName, metadata } from './internal/metadata.js';
import {
  type IstioManifestOptions,
  type ResolvedIstioOptions,
  resolveIstioOptions,
} from './options.js';

/**
 * The name the strip filter gets in the gateway's HTTP filter chain, for other EnvoyFilters that
 * need to place themselves relative to it (`INSERT_AFTER` with `subFilter.name`).
 *
 * @example
 * ```ts
 * const match = { listener: { filterChain: { filter: { subFilter: { name: STRIP_FILTER_NAME } } } } };
 * ```
 */
export const STRIP_FILTER_NAME = 'passport-relay.strip-client-passport';

/** @internal Build from resolved options. */
export function buildStripClientPassportFilter(options: ResolvedIstioOptions): EnvoyFilter {
  return new EnvoyFilter({
    metadata: metadata(
      gatewayObjectName(options.namespace, 'strip-client-passport'),
      options.gatewayNamespace,
    ),
    spec: {
      workloadSelector: { labels: { ...options.gatewaySelector } },
      configPatches: [
        {
          applyTo: 'HTTP_FILTER',
          match: {
            context: 'GATEWAY',
            listener: {
              filterChain: {
                filter: { name: 'envoy.filters.network.http_connection_manager' },
              },
            },
          },
          patch: {
            operation: 'INSERT_FIRST',
            value: {
              name: STRIP_FILTER_NAME,
              typed_config: {
                '@type':
                  'type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutation',
                // Profile txn-token: a client's Txn-Token goes too; only the edge or the TTS
                // mints one, and the workloads would otherwise verify a token the client chose.
                mutations: {
                  request_mutations: [options.header, options.txnTokenHeader]
                    .filter((header) => header !== undefined)
                    .map((header) => ({ remove: header })),
                },
              },
            },
          },
        },
      ],
    },
  });
}

/**
 * The EnvoyFilter that removes any passport a client sent, at the ingress gateway, before any
 * other HTTP filter runs. In profile `txn-token` it removes the client's Txn-Token header too.
 *
 * It inserts Envoy's `header_mutation` filter FIRST in the HTTP connection manager of every
 * gateway listener, ahead of `jwt_authn`. A VirtualService `headers.request.remove` (or a route's
 * `request_headers_to_remove`) would not do: it runs in the router, after `jwt_authn` has written
 * the minted passport (plain mode), and would delete that too. Needs Istio 1.19 or later (the
 * first release whose proxy ships `header_mutation`).
 *
 * Created in `gatewayNamespace`, selecting `gatewaySelector`.
 *
 * @example
 * ```ts
 * const filter = stripClientPassportFilter({ namespace: 'shop' });
 * filter.spec?.configPatches?.[0]?.patch?.operation; // 'INSERT_FIRST'
 * ```
 */
export function stripClientPassportFilter(options: IstioManifestOptions): EnvoyFilter {
  return buildStripClientPassportFilter(resolveIstioOptions(options));
}
