/**
 * The oldest and the newest supported Istio release, each a schema set of its own: every manifest
 * test validates against both (SupportedReleasesValidator), and each layer is shown refusing a
 * deliberately broken manifest in each release, with its path. The fields below exist in Istio
 * 1.30 only, so a builder that started to use one would be found out by the 1.24 set.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  edgeJwtAuthentication,
  edgeRequireJwtPolicy,
  requirePassportPolicy,
  stripClientPassportFilter,
} from '../src/index.js';
import {
  CRD_SCHEMA_DIR,
  ManifestValidator,
  NEWEST_SCHEMA_DIRS,
  OLDEST_SCHEMA_DIRS,
  SUPPORTED_RELEASES,
  SupportedReleasesValidator,
} from './support/crd-validator.js';
import { PLAIN } from './support/options.js';
import type { Parsed } from './support/parsed.js';

const oldest = new ManifestValidator(OLDEST_SCHEMA_DIRS);
const newest = new ManifestValidator(NEWEST_SCHEMA_DIRS);
const both = new SupportedReleasesValidator();

/** A mutable plain copy of a manifest, to break on purpose. */
function copy(manifest: object): Parsed {
  return JSON.parse(JSON.stringify(manifest)) as Parsed;
}

const ISTIO_GROUPS = /\.istio\.io\//;

describe('the supported releases', () => {
  it('are Istio 1.24 (oldest) and 1.30.3 (newest)', () => {
    expect(SUPPORTED_RELEASES.map((release) => release.name)).toEqual([
      'Istio 1.24',
      'Istio 1.30.3',
    ]);
  });

  it('hold a schema for the same Istio kinds, so no Istio manifest escapes the oldest', () => {
    const istioKinds = (validator: ManifestValidator) =>
      validator.kinds.filter((kind) => ISTIO_GROUPS.test(kind)).sort();
    expect(istioKinds(oldest)).toEqual(istioKinds(newest));
    expect(istioKinds(oldest)).toEqual([
      'networking.istio.io/v1alpha3 EnvoyFilter',
      'networking.istio.io/v1beta1 Gateway',
      'networking.istio.io/v1beta1 ServiceEntry',
      'networking.istio.io/v1beta1 VirtualService',
      'security.istio.io/v1 AuthorizationPolicy',
      'security.istio.io/v1 RequestAuthentication',
      'security.istio.io/v1beta1 PeerAuthentication',
    ]);
  });

  it('accept every manifest the builders make today (the full matrix is in the other tests)', () => {
    for (const manifest of [
      requirePassportPolicy({ namespace: 'shop' }),
      edgeRequireJwtPolicy({ ...PLAIN, gatewayName: 'ingress' }),
      edgeJwtAuthentication(PLAIN),
      stripClientPassportFilter({ namespace: 'shop' }),
    ]) {
      expect(oldest.validate(copy(manifest))).toEqual([]);
      expect(newest.validate(copy(manifest))).toEqual([]);
    }
  });
});

describe('a field newer than Istio 1.24 is found out (structural schema)', () => {
  it('AuthorizationPolicy source.serviceAccounts: refused by 1.24 with its path, accepted by 1.30', () => {
    const policy = copy(requirePassportPolicy({ namespace: 'shop' }));
    // 1.30's CEL rules forbid serviceAccounts beside namespaces: use it alone.
    policy.spec.rules[0].from[0].source = { serviceAccounts: ['shop/orders'] };
    expect(oldest.validate(policy)).toEqual([
      { path: 'spec.rules[0].from[0].source.serviceAccounts', message: 'unknown field' },
    ]);
    expect(newest.validate(policy)).toEqual([]);
    expect(both.validate(policy)).toEqual([
      {
        path: 'spec.rules[0].from[0].source.serviceAccounts',
        message: 'unknown field (Istio 1.24)',
      },
    ]);
  });

  it('RequestAuthentication jwtRules[].spaceDelimitedClaims: refused by 1.24', () => {
    const auth = copy(edgeJwtAuthentication(PLAIN));
    auth.spec.jwtRules[0].spaceDelimitedClaims = ['scope'];
    expect(oldest.validate(auth)).toEqual([
      { path: 'spec.jwtRules[0].spaceDelimitedClaims', message: 'unknown field' },
    ]);
    expect(newest.validate(auth)).toEqual([]);
  });

  it('EnvoyFilter match.context WAYPOINT: outside the 1.24 enum', () => {
    const filter = copy(stripClientPassportFilter({ namespace: 'shop' }));
    filter.spec.configPatches[0].match.context = 'WAYPOINT';
    const issues = oldest.validate(filter);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('spec.configPatches[0].match.context');
    expect(issues[0]?.message).toContain('"GATEWAY"');
    expect(issues[0]?.message).not.toContain('"WAYPOINT"');
    // 1.30 knows the value (its CEL rules then want a `waypoint` match beside it).
    const newestPaths = newest.validate(filter).map((issue) => issue.path);
    expect(newestPaths).not.toContain('spec.configPatches[0].match.context');
  });
});

describe('a CEL rule only Istio 1.24 has is evaluated', () => {
  it('targetRefs to a kind 1.24 cannot attach to (a Deployment): refused by 1.24 with the rule', () => {
    const policy = copy(edgeRequireJwtPolicy({ ...PLAIN, gatewayName: 'ingress' }));
    policy.spec.targetRefs[0] = { group: 'apps', kind: 'Deployment', name: 'ingress' };
    expect(oldest.validate(policy)).toEqual([
      {
        path: 'spec.targetRefs[0]',
        message: expect.stringContaining(
          'CEL rule failed: Support kinds are core/Service, networking.istio.io/ServiceEntry',
        ),
      },
    ]);
    expect(both.validate(policy)[0]?.message).toContain('(Istio 1.24)');
  });
});

describe('ServiceEntry (only in the egress example)', () => {
  const serviceEntry = (): Parsed => ({
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'ServiceEntry',
    metadata: { name: 'httpbin', namespace: 'passport-demo' },
    spec: {
      hosts: ['httpbin.org'],
      location: 'MESH_EXTERNAL',
      resolution: 'DNS',
      ports: [{ number: 80, name: 'http', protocol: 'HTTP' }],
    },
  });

  it("is checked against Istio 1.24's CRD, CEL rules included", () => {
    expect(oldest.validate(serviceEntry())).toEqual([]);
    const wildcard = serviceEntry();
    wildcard.spec.hosts = ['*'];
    expect(oldest.validate(wildcard)).toEqual([
      {
        path: 'spec.hosts[0]',
        message: expect.stringContaining('CEL rule failed: hostname cannot be wildcard'),
      },
    ]);
    const duplicate = serviceEntry();
    duplicate.spec.ports.push({ number: 80, name: 'http2', protocol: 'HTTP' });
    expect(oldest.validate(duplicate).map((issue) => issue.message)).toContainEqual(
      expect.stringContaining('port number cannot be duplicated'),
    );
  });
});

describe.each(SUPPORTED_RELEASES)('every layer refuses a broken manifest in $name', ({ dirs }) => {
  const validator = new ManifestValidator(dirs);

  it('structural schema: a misspelled field, with its path', () => {
    const policy = copy(requirePassportPolicy({ namespace: 'shop' }));
    policy.spec.rules[0].from[0].source.namespace = ['shop'];
    expect(validator.validate(policy)).toEqual([
      { path: 'spec.rules[0].from[0].source.namespace', message: 'unknown field' },
    ]);
  });

  it('CEL rules: a wildcard label value in a selector, with its path and rule', () => {
    const filter = copy(stripClientPassportFilter({ namespace: 'shop' }));
    filter.spec.workloadSelector.labels.istio = 'ingress*';
    expect(validator.validate(filter)).toEqual([
      {
        path: 'spec.workloadSelector.labels.istio',
        message: expect.stringContaining('CEL rule failed: wildcard is not supported in selector'),
      },
    ]);
  });

  it("CEL rules: a jwksUri Kubernetes' url() cannot parse", () => {
    const auth = copy(edgeJwtAuthentication(PLAIN));
    auth.spec.jwtRules[0].jwksUri = ' https://issuer.example.com/jwks';
    expect(validator.validate(auth).map((issue) => issue.path)).toEqual([
      'spec.jwtRules[0].jwksUri',
    ]);
  });

  it("Envoy's types: a field HeaderMutation does not have, with its path", () => {
    const filter = copy(stripClientPassportFilter({ namespace: 'shop' }));
    filter.spec.configPatches[0].patch.value.typed_config.mutations.request_mutation = [];
    const issues = validator.validate(filter);
    expect(issues.map((issue) => issue.path)).toEqual([
      'spec.configPatches[0].patch.value.typed_config.mutations.request_mutation',
    ]);
  });
});

type Node = Record<string, unknown>;

/** A schema without its documentation: what the 1.24 extracts keep. */
function withoutDescriptions(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutDescriptions);
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key]) => key !== 'description')
      .map(([key, value]) => [
        key,
        key === 'properties'
          ? Object.fromEntries(
              Object.entries(value as Node).map(([name, child]) => [
                name,
                withoutDescriptions(child),
              ]),
            )
          : withoutDescriptions(value),
      ]),
  );
}

/** The keyword paths where two schemas differ: `+x` only in `b`, `-x` only in `a`, `~x` both. */
function differences(a: unknown, b: unknown, path = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const objects = [a, b].every((n) => typeof n === 'object' && n !== null && !Array.isArray(n));
  if (!objects) return [`~${path}`];
  const [left, right] = [a as Node, b as Node];
  return [...new Set([...Object.keys(left), ...Object.keys(right)])].flatMap((key) =>
    !(key in left)
      ? [`+${path}.${key}`]
      : !(key in right)
        ? [`-${path}.${key}`]
        : differences(left[key], right[key], `${path}.${key}`),
  );
}

describe('the Istio 1.24 copies', () => {
  // Guards the hand-made extract against an accidental edit: it may differ from 1.30.3 only where
  // the releases differ (istio-1.24/README.txt lists each; CEL rules re-spelled count as `~`).
  const S = '.properties.spec.properties';
  const RULES = `${S}.rules.items.properties.from.items`;
  const MATCH = `${S}.configPatches.items.properties.match`;
  const LABELS = `${S}.selector.properties.matchLabels`;
  const expected: Record<string, string[]> = {
    AuthorizationPolicy_v1: [
      `+${RULES}.properties.source.properties.notServiceAccounts`,
      `+${RULES}.properties.source.properties.notTrustDomains`,
      `+${RULES}.properties.source.properties.serviceAccounts`,
      `+${RULES}.properties.source.properties.trustDomains`,
      `+${RULES}.properties.source.x-kubernetes-validations`,
      `+${S}.rules.items.properties.from.maxItems`,
      `+${S}.rules.maxItems`,
      `~${LABELS}.additionalProperties.x-kubernetes-validations`,
      `~${LABELS}.x-kubernetes-validations`,
      `-${S}.targetRef.x-kubernetes-validations`,
      `-${S}.targetRefs.items.x-kubernetes-validations`,
      '~.properties.spec.x-kubernetes-validations',
    ],
    RequestAuthentication_v1: [
      `~${S}.jwtRules.items.properties.jwks_uri.x-kubernetes-validations`,
      `~${S}.jwtRules.items.properties.jwksUri.x-kubernetes-validations`,
      `+${S}.jwtRules.items.properties.spaceDelimitedClaims`,
      `-${S}.jwtRules.items.required`,
      `~${S}.jwtRules.items.x-kubernetes-validations`,
      `~${LABELS}.additionalProperties.x-kubernetes-validations`,
      `~${LABELS}.x-kubernetes-validations`,
      `-${S}.targetRef.x-kubernetes-validations`,
      `-${S}.targetRefs.items.x-kubernetes-validations`,
      '~.properties.spec.x-kubernetes-validations',
    ],
    PeerAuthentication_v1beta1: [
      `~${LABELS}.additionalProperties.x-kubernetes-validations`,
      `~${LABELS}.x-kubernetes-validations`,
      '~.properties.spec.x-kubernetes-validations',
    ],
    EnvoyFilter_v1alpha3: [
      `~${MATCH}.oneOf`,
      `~${MATCH}.properties.context.enum`,
      `+${MATCH}.properties.routeConfiguration.properties.vhost.properties.domainName`,
      `+${MATCH}.properties.waypoint`,
      `+${MATCH}.x-kubernetes-validations`,
      `-${S}.targetRefs.items.x-kubernetes-validations`,
      `~${S}.workloadSelector.properties.labels.additionalProperties.x-kubernetes-validations`,
      '~.properties.spec.x-kubernetes-validations',
    ],
    Gateway_v1beta1: [
      `+${S}.servers.items.properties.tls.properties.caCertCredentialName`,
      `+${S}.servers.items.properties.tls.properties.credentialNames`,
      `+${S}.servers.items.properties.tls.properties.tlsCertificates`,
      `+${S}.servers.items.properties.tls.x-kubernetes-validations`,
    ],
    VirtualService_v1beta1: [
      `~${S}.http.items.properties.directResponse.properties.body.properties.bytes.format`,
      `+${S}.http.items.properties.retries.properties.backoff`,
      `+${S}.http.items.properties.retries.properties.retryIgnorePreviousHosts`,
    ],
  };

  for (const [file, paths] of Object.entries(expected)) {
    it(`${file} differs from 1.30.3 only where the releases differ`, () => {
      const old = parseYaml(
        readFileSync(join(CRD_SCHEMA_DIR, 'istio-1.24', `${file}.yaml`), 'utf8'),
      );
      const newer = withoutDescriptions(
        JSON.parse(readFileSync(join(CRD_SCHEMA_DIR, `${file}.json`), 'utf8')),
      ) as { properties: Node };
      delete newer.properties.status;
      expect(differences(old, newer)).toEqual(paths);
    });
  }
});
