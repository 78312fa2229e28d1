import { EnvoyFilter } from '@kubernetes-models/istio/networking.istio.io/v1alpha3/EnvoyFilter';
import { VirtualService } from '@kubernetes-models/istio/networking.istio.io/v1beta1/VirtualService';
import { AuthorizationPolicy } from '@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy';
import { RequestAuthentication } from '@kubernetes-models/istio/security.istio.io/v1/RequestAuthentication';
import { PeerAuthentication } from '@kubernetes-models/istio/security.istio.io/v1beta1/PeerAuthentication';
import { describe, expect, it } from 'vitest';
import {
  edgeIngressPolicy,
  edgeJwtAuthentication,
  edgeRequireJwtPolicy,
  type IstioManifest,
  type IstioManifestOptions,
  IstioOptionsError,
  passportManifests,
  requirePassportPolicy,
  STRIP_FILTER_NAME,
  strictMtlsPolicy,
  stripClientPassportFilter,
  stripPassportToExternalHosts,
} from '../src/index.js';
import { formatIssues, SupportedReleasesValidator } from './support/crd-validator.js';
import { PLAIN } from './support/options.js';
import type { Parsed } from './support/parsed.js';

const validator = new SupportedReleasesValidator();

const SIGNED: IstioManifestOptions = { namespace: 'shop' };
const TXN_TOKEN = {
  namespace: 'shop',
  profile: 'txn-token',
  trustDomain: 'shop.example.com',
  issuer: 'https://tts.example.com',
  jwksUri: 'https://tts.example.com/.well-known/jwks.json',
} as const satisfies IstioManifestOptions;
const HELM = {
  gatewaySelector: { istio: 'ingress' },
  gatewayNamespace: 'istio-ingress',
  gatewayPrincipals: ['cluster.local/ns/istio-ingress/sa/istio-ingress'],
} as const satisfies Partial<IstioManifestOptions>;

/** Every option set, in both modes, with every optional field used. */
const EVERY_CONFIGURATION: Record<string, IstioManifestOptions> = {
  'signed defaults': SIGNED,
  'plain defaults': PLAIN,
  'signed, Helm gateway, custom header, edge selector, external hosts': {
    namespace: 'shop',
    ...HELM,
    header: 'x-passport',
    edgeSelector: { 'app.kubernetes.io/name': 'edge' },
    externalHosts: ['api.stripe.com', 'httpbin.org'],
  },
  'plain, Helm gateway, audiences, gateway hosts, external hosts': {
    ...PLAIN,
    ...HELM,
    audiences: ['shop-api'],
    gatewayHosts: ['shop.example.com', '*.shop.example.com'],
    externalHosts: ['api.stripe.com'],
  },
  'signed, Gateway API ingress': {
    namespace: 'shop',
    gatewayName: 'ingress',
    gatewayNamespace: 'istio-ingress',
  },
  'plain, Gateway API ingress, audiences, gateway hosts': {
    ...PLAIN,
    gatewayName: 'ingress',
    gatewayNamespace: 'istio-ingress',
    audiences: ['shop-api'],
    gatewayHosts: ['shop.example.com'],
  },
  'signed, ambient': { namespace: 'shop', dataplane: 'ambient' },
  'plain, ambient': { ...PLAIN, dataplane: 'ambient' },
  'signed, ambient, Gateway API ingress, custom waypoint, edge Service, header': {
    namespace: 'shop',
    dataplane: 'ambient',
    gatewayName: 'ingress',
    waypointName: 'shop-waypoint',
    edgeService: 'edge',
    header: 'x-passport',
  },
  'plain, ambient, Helm gateway': { ...PLAIN, ...HELM, dataplane: 'ambient' },
  'txn-token defaults': TXN_TOKEN,
  'txn-token, Helm gateway, custom headers, edge selector, external hosts': {
    ...TXN_TOKEN,
    ...HELM,
    header: 'x-passport',
    txnTokenHeader: 'x-txn-token',
    edgeSelector: { 'app.kubernetes.io/name': 'edge' },
    externalHosts: ['api.stripe.com'],
  },
  'txn-token, Gateway API ingress': {
    ...TXN_TOKEN,
    gatewayName: 'ingress',
    gatewayNamespace: 'istio-ingress',
  },
  'txn-token, ambient': { ...TXN_TOKEN, dataplane: 'ambient' },
  'txn-token, ambient, Gateway API ingress, custom waypoint, edge Service': {
    ...TXN_TOKEN,
    dataplane: 'ambient',
    gatewayName: 'ingress',
    waypointName: 'shop-waypoint',
    edgeService: 'edge',
  },
};

function json(manifest: IstioManifest): Parsed {
  return manifest.toJSON() as Parsed;
}

function names(manifests: readonly IstioManifest[]): string[] {
  return manifests.map((manifest) => `${manifest.kind}/${manifest.metadata?.name}`);
}

describe('every manifest validates against the Istio CRD schemas (unknown fields refused)', () => {
  for (const [label, options] of Object.entries(EVERY_CONFIGURATION)) {
    it(label, () => {
      for (const manifest of passportManifests(options)) {
        expect(
          formatIssues(validator.validate(manifest)),
          `${manifest.kind}/${manifest.metadata?.name}`,
        ).toBe('');
      }
    });
  }
});

describe("every manifest passes the @kubernetes-models/istio model's own validate()", () => {
  for (const [label, options] of Object.entries(EVERY_CONFIGURATION)) {
    it(label, () => {
      for (const manifest of passportManifests(options)) {
        // The waypoint's Gateway API Gateway is no Istio model; the CRD layers check it.
        if ('validate' in manifest) expect(() => manifest.validate()).not.toThrow();
      }
    });
  }
});

describe('every manifest passes Istio webhook rules the CRD schema cannot express', () => {
  /** Values of every AuthorizationPolicy list Istio's validation refuses when empty. */
  function authorizationValues(policy: Parsed): unknown[] {
    const values: unknown[] = [];
    for (const rule of policy.spec?.rules ?? []) {
      for (const from of rule.from ?? []) values.push(...Object.values(from.source ?? {}).flat());
      for (const to of rule.to ?? []) values.push(...Object.values(to.operation ?? {}).flat());
      for (const when of rule.when ?? [])
        values.push(...(when.values ?? []), ...(when.notValues ?? []));
    }
    return values;
  }

  for (const [label, options] of Object.entries(EVERY_CONFIGURATION)) {
    it(`${label}: no empty value in an AuthorizationPolicy`, () => {
      const policies = passportManifests(options).filter(
        (manifest) => manifest.kind === 'AuthorizationPolicy',
      );
      expect(policies.length).toBeGreaterThan(0);
      for (const policy of policies) {
        const values = authorizationValues(json(policy));
        expect(values.length).toBeGreaterThan(0);
        expect(values).not.toContain('');
      }
    });

    it(`${label}: targetRefs name only kinds Istio attaches policies to, in their own namespace`, () => {
      // istiod's validation: a policy's targetRefs may name a Gateway API Gateway or GatewayClass,
      // a Service or a ServiceEntry; ztunnel-enforced policies must not use HTTP attributes.
      const allowed = new Set([
        'gateway.networking.k8s.io/Gateway',
        'gateway.networking.k8s.io/GatewayClass',
        '/Service',
        'networking.istio.io/ServiceEntry',
      ]);
      for (const manifest of passportManifests(options)) {
        const spec = (json(manifest as IstioManifest).spec ?? {}) as Parsed;
        for (const ref of spec.targetRefs ?? []) {
          expect(allowed.has(`${ref.group}/${ref.kind}`), JSON.stringify(ref)).toBe(true);
          expect(ref.namespace).toBeUndefined();
        }
        const ztunnelEnforced =
          manifest.kind === 'AuthorizationPolicy' &&
          options.dataplane === 'ambient' &&
          spec.targetRefs === undefined &&
          spec.selector === undefined;
        if (ztunnelEnforced) {
          for (const rule of spec.rules ?? []) {
            expect(rule.when, 'ztunnel cannot check HTTP conditions').toBeUndefined();
            expect(rule.to, 'ztunnel cannot check HTTP operations').toBeUndefined();
            for (const from of rule.from ?? []) {
              expect(from.source.requestPrincipals).toBeUndefined();
              expect(from.source.notRequestPrincipals).toBeUndefined();
            }
          }
        }
      }
    });
  }
});

describe('passportManifests', () => {
  it('returns the signed-mode set in apply order', () => {
    expect(names(passportManifests({ ...SIGNED, externalHosts: ['api.stripe.com'] }))).toEqual([
      'EnvoyFilter/passport-relay-shop-strip-client-passport',
      'PeerAuthentication/default',
      'AuthorizationPolicy/passport-relay-require-passport',
      'AuthorizationPolicy/passport-relay-edge-ingress',
      'VirtualService/passport-relay-strip-passport-api.stripe.com',
    ]);
  });

  it('returns the plain-mode set in apply order', () => {
    expect(names(passportManifests(PLAIN))).toEqual([
      'EnvoyFilter/passport-relay-shop-strip-client-passport',
      'RequestAuthentication/passport-relay-shop-edge-jwt',
      'AuthorizationPolicy/passport-relay-shop-edge-require-jwt',
      'PeerAuthentication/default',
      'AuthorizationPolicy/passport-relay-require-passport',
    ]);
  });

  it('returns @kubernetes-models instances with the Istio apiVersions', () => {
    const manifests = passportManifests({ ...PLAIN, externalHosts: ['api.stripe.com'] });
    const byKind = new Map(manifests.map((manifest) => [manifest.kind, manifest]));
    expect(byKind.get('EnvoyFilter')).toBeInstanceOf(EnvoyFilter);
    expect(byKind.get('RequestAuthentication')).toBeInstanceOf(RequestAuthentication);
    expect(byKind.get('AuthorizationPolicy')).toBeInstanceOf(AuthorizationPolicy);
    expect(byKind.get('PeerAuthentication')).toBeInstanceOf(PeerAuthentication);
    expect(byKind.get('VirtualService')).toBeInstanceOf(VirtualService);
    expect(manifests.map((manifest) => manifest.apiVersion)).toEqual([
      'networking.istio.io/v1alpha3',
      'security.istio.io/v1',
      'security.istio.io/v1',
      'security.istio.io/v1beta1',
      'security.istio.io/v1',
      'networking.istio.io/v1beta1',
    ]);
  });

  it('puts the ingress objects in the gateway namespace and the rest in the app namespace', () => {
    const namespaces = passportManifests({ ...PLAIN, ...HELM }).map(
      (manifest) => `${manifest.kind}:${manifest.metadata?.namespace}`,
    );
    expect(namespaces).toEqual([
      'EnvoyFilter:istio-ingress',
      'RequestAuthentication:istio-ingress',
      'AuthorizationPolicy:istio-ingress',
      'PeerAuthentication:shop',
      'AuthorizationPolicy:shop',
    ]);
  });

  it('labels every object as part of passport-relay', () => {
    for (const manifest of passportManifests({ ...PLAIN, externalHosts: ['api.stripe.com'] })) {
      expect(manifest.metadata?.labels).toEqual({ 'app.kubernetes.io/part-of': 'passport-relay' });
    }
  });

  it('names gateway-namespace objects after the app namespace, so two apps do not collide', () => {
    const shop = passportManifests({ ...PLAIN, namespace: 'shop' });
    const blog = passportManifests({ ...PLAIN, namespace: 'blog' });
    const gatewayNames = (manifests: IstioManifest[]) =>
      manifests
        .filter((manifest) => manifest.metadata?.namespace === 'istio-system')
        .map((manifest) => manifest.metadata?.name);
    expect(gatewayNames(shop)).toHaveLength(3);
    for (const name of gatewayNames(shop)) expect(gatewayNames(blog)).not.toContain(name);
  });

  it('uses a custom header name everywhere the passport appears', () => {
    const yaml = JSON.stringify(
      passportManifests({ ...PLAIN, header: 'X-Passport', externalHosts: ['api.stripe.com'] }),
    );
    expect(yaml).not.toMatch(/"passport"|\[passport\]/);
    expect(yaml.match(/x-passport/g)).toHaveLength(4);
  });

  it('is what the per-manifest functions return, in order', () => {
    const options = { ...SIGNED, externalHosts: ['api.stripe.com'] };
    expect(passportManifests(options).map(json)).toEqual(
      [
        stripClientPassportFilter(options),
        strictMtlsPolicy(options),
        requirePassportPolicy(options),
        edgeIngressPolicy(options),
        ...stripPassportToExternalHosts(options),
      ].map(json),
    );
    expect(passportManifests(PLAIN).map(json)).toEqual(
      [
        stripClientPassportFilter(PLAIN),
        edgeJwtAuthentication(PLAIN),
        edgeRequireJwtPolicy(PLAIN),
        strictMtlsPolicy(PLAIN),
        requirePassportPolicy(PLAIN),
      ].map(json),
    );
  });
});

describe('stripClientPassportFilter', () => {
  const filter = json(stripClientPassportFilter(SIGNED));
  const patch = filter.spec.configPatches[0];

  it('selects the ingress gateway pods in the gateway namespace', () => {
    expect(filter.metadata.namespace).toBe('istio-system');
    expect(filter.spec.workloadSelector).toEqual({ labels: { istio: 'ingressgateway' } });
  });

  it('selects the Helm gateway when told to', () => {
    const helm = json(stripClientPassportFilter({ ...SIGNED, ...HELM }));
    expect(helm.metadata.namespace).toBe('istio-ingress');
    expect(helm.spec.workloadSelector).toEqual({ labels: { istio: 'ingress' } });
  });

  it('inserts an HTTP filter FIRST in the HTTP connection manager of gateway listeners', () => {
    expect(filter.spec.configPatches).toHaveLength(1);
    expect(patch.applyTo).toBe('HTTP_FILTER');
    expect(patch.match).toEqual({
      context: 'GATEWAY',
      listener: {
        filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager' } },
      },
    });
    expect(patch.patch.operation).toBe('INSERT_FIRST');
  });

  it("uses Envoy's header_mutation filter to remove the passport header from requests", () => {
    expect(patch.patch.value).toEqual({
      name: STRIP_FILTER_NAME,
      typed_config: {
        '@type':
          'type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutation',
        mutations: { request_mutations: [{ remove: 'passport' }] },
      },
    });
  });

  it('is made in both modes', () => {
    expect(json(stripClientPassportFilter(PLAIN))).toEqual(filter);
  });
});

describe('edgeJwtAuthentication (plain mode)', () => {
  it('verifies the issuer at the ingress and writes the payload to the passport header', () => {
    const authentication = json(edgeJwtAuthentication({ ...PLAIN, audiences: ['shop-api'] }));
    expect(authentication.metadata.namespace).toBe('istio-system');
    expect(authentication.spec).toEqual({
      selector: { matchLabels: { istio: 'ingressgateway' } },
      jwtRules: [
        {
          issuer: 'https://issuer.example.com',
          jwksUri: 'https://issuer.example.com/.well-known/jwks.json',
          audiences: ['shop-api'],
          outputPayloadToHeader: 'passport',
          forwardOriginalToken: false,
        },
      ],
    });
  });

  it('leaves audiences out when none are given', () => {
    expect(json(edgeJwtAuthentication(PLAIN)).spec.jwtRules[0]).not.toHaveProperty('audiences');
  });

  it('refuses signed mode', () => {
    expect(() => edgeJwtAuthentication(SIGNED)).toThrow(IstioOptionsError);
  });
});

describe('edgeRequireJwtPolicy (plain mode)', () => {
  it('denies requests without a request principal at the ingress', () => {
    const policy = json(edgeRequireJwtPolicy(PLAIN));
    expect(policy.metadata.namespace).toBe('istio-system');
    expect(policy.spec).toEqual({
      selector: { matchLabels: { istio: 'ingressgateway' } },
      action: 'DENY',
      rules: [{ from: [{ source: { notRequestPrincipals: ['*'] } }] }],
    });
  });

  it('limits the rule to the gateway hosts when given', () => {
    const policy = json(edgeRequireJwtPolicy({ ...PLAIN, gatewayHosts: ['shop.example.com'] }));
    expect(policy.spec.rules[0].to).toEqual([{ operation: { hosts: ['shop.example.com'] } }]);
  });

  it('refuses signed mode', () => {
    expect(() => edgeRequireJwtPolicy(SIGNED)).toThrow(/edgeRequireJwtPolicy is for mode "plain"/);
  });
});

describe('strictMtlsPolicy', () => {
  it('sets STRICT mTLS for the whole app namespace', () => {
    const policy = json(strictMtlsPolicy(SIGNED));
    expect(policy.metadata).toMatchObject({ name: 'default', namespace: 'shop' });
    expect(policy.spec).toEqual({ mtls: { mode: 'STRICT' } });
  });
});

describe('requirePassportPolicy', () => {
  it('signed: allows only same-namespace callers that present the passport header', () => {
    const policy = json(requirePassportPolicy(SIGNED));
    expect(policy.metadata.namespace).toBe('shop');
    expect(policy.spec).toEqual({
      action: 'ALLOW',
      rules: [
        {
          from: [{ source: { namespaces: ['shop'] } }],
          when: [{ key: 'request.headers[passport]', values: ['*'] }],
        },
      ],
    });
  });

  it('plain: also allows the ingress gateway, which mints the passport', () => {
    const policy = json(requirePassportPolicy({ ...PLAIN, ...HELM }));
    expect(policy.spec.rules[0].from).toEqual([
      { source: { namespaces: ['shop'] } },
      { source: { principals: ['cluster.local/ns/istio-ingress/sa/istio-ingress'] } },
    ]);
  });

  it('applies to every workload of the namespace (no selector)', () => {
    expect(json(requirePassportPolicy(SIGNED)).spec).not.toHaveProperty('selector');
  });

  it("requires presence with Istio's '*' match rather than notValues", () => {
    const condition = json(requirePassportPolicy(SIGNED)).spec.rules[0].when[0];
    expect(condition.values).toEqual(['*']);
    expect(condition).not.toHaveProperty('notValues');
  });
});

describe('edgeIngressPolicy (signed mode)', () => {
  it('lets the ingress gateway call the edge service without a passport', () => {
    const policy = json(edgeIngressPolicy(SIGNED));
    expect(policy.metadata.namespace).toBe('shop');
    expect(policy.spec).toEqual({
      selector: { matchLabels: { app: 'gateway' } },
      action: 'ALLOW',
      rules: [
        {
          from: [
            {
              source: {
                principals: [
                  'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account',
                ],
              },
            },
          ],
        },
      ],
    });
  });

  it('selects the edge service given by edgeSelector', () => {
    const policy = json(
      edgeIngressPolicy({ ...SIGNED, edgeSelector: { app: 'edge', tier: 'front' } }),
    );
    expect(policy.spec.selector).toEqual({ matchLabels: { app: 'edge', tier: 'front' } });
  });

  it('refuses plain mode', () => {
    expect(() => edgeIngressPolicy(PLAIN)).toThrow(IstioOptionsError);
  });
});

describe('stripPassportToExternalHosts', () => {
  it('makes no VirtualService without external hosts', () => {
    expect(stripPassportToExternalHosts(SIGNED)).toEqual([]);
  });

  it('removes the passport on routes to each external host, for this namespace only', () => {
    const services = stripPassportToExternalHosts({
      ...SIGNED,
      externalHosts: ['api.stripe.com', 'httpbin.org'],
    }).map(json);
    expect(services).toHaveLength(2);
    expect(services[1]).toMatchObject({
      metadata: { name: 'passport-relay-strip-passport-httpbin.org', namespace: 'shop' },
      spec: {
        hosts: ['httpbin.org'],
        exportTo: ['.'],
        http: [
          {
            name: 'strip-passport',
            headers: { request: { remove: ['passport'] } },
            route: [{ destination: { host: 'httpbin.org' } }],
          },
        ],
      },
    });
  });
});
