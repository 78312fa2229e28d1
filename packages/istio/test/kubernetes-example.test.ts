import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServiceEntry } from '@kubernetes-models/istio/networking.istio.io/v1beta1/ServiceEntry';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { formatIssues, SupportedReleasesValidator } from './support/crd-validator.js';
import type { Parsed } from './support/parsed.js';

/** examples/kubernetes, validated here because examples are not vitest projects. */
const EXAMPLE_DIR = fileURLToPath(new URL('../../../examples/kubernetes/', import.meta.url));
const NAMESPACE = 'passport-demo';
const DEMO_SERVICES = ['gateway', 'orders', 'payments', 'users'];

type Manifest = Parsed;

const files = readdirSync(EXAMPLE_DIR)
  .filter((file) => /\.ya?ml$/.test(file))
  .sort();

const manifests: { file: string; manifest: Manifest }[] = files.flatMap((file) =>
  parseAllDocuments(readFileSync(join(EXAMPLE_DIR, file), 'utf8')).map((document) => {
    if (document.errors.length > 0) throw new Error(`${file}: ${document.errors.join('; ')}`);
    return { file, manifest: document.toJS() as Manifest };
  }),
);

function ofKind(kind: string): Manifest[] {
  return manifests.map(({ manifest }) => manifest).filter((manifest) => manifest.kind === kind);
}

function named(kind: string, name: string): Manifest {
  const found = ofKind(kind).find((manifest) => manifest.metadata.name === name);
  if (found === undefined) throw new Error(`no ${kind} named ${name}`);
  return found;
}

/** True when every label of `selector` is on `labels`. */
function selects(selector: Record<string, string>, labels: Record<string, string> = {}): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

const validator = new SupportedReleasesValidator();

describe('examples/kubernetes', () => {
  it('holds only YAML kubectl can apply, in an order that creates the namespace first', () => {
    expect(files.length).toBeGreaterThanOrEqual(7);
    expect(
      manifests.every(({ manifest }) => manifest !== null && typeof manifest === 'object'),
    ).toBe(true);
    expect(manifests[0]?.manifest).toMatchObject({
      kind: 'Namespace',
      metadata: { name: NAMESPACE },
    });
    const jsonFiles = readdirSync(EXAMPLE_DIR).filter((file) => file.endsWith('.json'));
    expect(jsonFiles, 'kubectl apply -f <dir> would read these as manifests').toEqual([]);
  });

  it('validates every manifest (Istio kinds against the CRD schemas, unknown fields refused)', () => {
    for (const { file, manifest } of manifests) {
      expect(
        formatIssues(validator.validate(manifest)),
        `${file}: ${manifest.kind}/${manifest.metadata?.name}`,
      ).toBe('');
    }
  });

  it('passes the ServiceEntry through the Istio model’s own validation too (no CRD schema at hand)', () => {
    const entries = ofKind('ServiceEntry');
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries)
      expect(() => new ServiceEntry(entry as never).validate()).not.toThrow();
  });

  it('puts everything in the demo namespace, except the ingress filter in istio-system', () => {
    for (const { file, manifest } of manifests) {
      if (manifest.kind === 'Namespace') continue;
      const where = `${file}: ${manifest.kind}/${manifest.metadata.name}`;
      if (manifest.metadata.namespace === 'istio-system') {
        expect(manifest.kind, where).toBe('EnvoyFilter');
      } else {
        expect(manifest.metadata.namespace, where).toBe(NAMESPACE);
      }
    }
  });

  it('deploys gateway, orders, payments and users, each with a Service and its own ServiceAccount', () => {
    expect(
      ofKind('Deployment')
        .map((deployment) => deployment.metadata.name)
        .sort(),
    ).toEqual(DEMO_SERVICES);
    for (const name of DEMO_SERVICES) {
      const pod = named('Deployment', name).spec.template.spec;
      expect(pod.serviceAccountName).toBe(name);
      expect(named('ServiceAccount', name)).toBeDefined();
      expect(named('Service', name)).toBeDefined();
    }
  });

  it('injects the Istio sidecar by the namespace label alone, so the same workloads run in ambient/', () => {
    expect(named('Namespace', NAMESPACE).metadata.labels['istio-injection']).toBe('enabled');
    for (const deployment of ofKind('Deployment')) {
      // A pod label sidecar.istio.io/inject=true would force a sidecar in the ambient namespace too.
      expect(deployment.spec.template.metadata.labels['sidecar.istio.io/inject']).toBeUndefined();
    }
  });

  it("gives each Deployment a selector that matches its pods' labels", () => {
    for (const deployment of ofKind('Deployment')) {
      expect(
        selects(deployment.spec.selector.matchLabels, deployment.spec.template.metadata.labels),
        deployment.metadata.name,
      ).toBe(true);
    }
  });

  it('routes each Service to exactly one Deployment, on a named container port, as HTTP for Istio', () => {
    for (const service of ofKind('Service')) {
      const targets = ofKind('Deployment').filter((deployment) =>
        selects(service.spec.selector, deployment.spec.template.metadata.labels),
      );
      expect(targets.map((deployment) => deployment.metadata.name)).toEqual([
        service.metadata.name,
      ]);
      const containerPorts = targets[0]!.spec.template.spec.containers.flatMap(
        (container: Manifest) => container.ports.map((port: Manifest) => port.name),
      );
      for (const port of service.spec.ports) {
        expect(containerPorts).toContain(port.targetPort);
        expect(port.appProtocol).toBe('http');
      }
    }
  });

  it('points service URLs at Services of the namespace and external URLs at ServiceEntry hosts', () => {
    const services = ofKind('Service').map((service) => service.metadata.name);
    const external = ofKind('ServiceEntry').flatMap((entry) => entry.spec.hosts);
    const urls = ofKind('Deployment').flatMap((deployment) =>
      deployment.spec.template.spec.containers.flatMap((container: Manifest) =>
        container.env
          .filter(
            (variable: Manifest) => /_URL$/.test(variable.name) && !/JWKS/.test(variable.name),
          )
          .map((variable: Manifest) => ({
            name: variable.name,
            host: new URL(variable.value).hostname,
          })),
      ),
    );
    expect(urls.length).toBeGreaterThanOrEqual(4);
    for (const { name, host } of urls) {
      expect(name === 'EXTERNAL_URL' ? external : services, name).toContain(host);
    }
  });

  it('keeps the signing key on the edge only; the others get verification keys', () => {
    for (const deployment of ofKind('Deployment')) {
      const env = deployment.spec.template.spec.containers[0].env.map(
        (variable: Manifest) => variable.name,
      );
      const isEdge = deployment.metadata.name === 'gateway';
      expect(env.includes('PASSPORT_SIGNING_JWK'), deployment.metadata.name).toBe(isEdge);
      expect(env.includes('PASSPORT_JWKS'), deployment.metadata.name).toBe(!isEdge);
    }
  });

  it('exposes the edge through the same ingress the passport filter selects', () => {
    const [gateway] = ofKind('Gateway');
    const filter = ofKind('EnvoyFilter')[0]!;
    expect(gateway?.spec.selector).toEqual(filter.spec.workloadSelector.labels);
    const ingressRoutes = ofKind('VirtualService').filter((service) =>
      service.spec.gateways?.includes(gateway?.metadata.name),
    );
    expect(ingressRoutes).toHaveLength(1);
    const destinations = ingressRoutes[0]!.spec.http.flatMap((route: Manifest) =>
      route.route.map((target: Manifest) => target.destination.host),
    );
    expect(destinations).toEqual([`gateway.${NAMESPACE}.svc.cluster.local`]);
  });

  it('lets the ingress call the edge workload only (edge policy selects the gateway pods alone)', () => {
    const edgePolicy = named('AuthorizationPolicy', 'passport-relay-edge-ingress');
    const selected = ofKind('Deployment').filter((deployment) =>
      selects(edgePolicy.spec.selector.matchLabels, deployment.spec.template.metadata.labels),
    );
    expect(selected.map((deployment) => deployment.metadata.name)).toEqual(['gateway']);
  });

  it('strips the passport only for hosts declared in a ServiceEntry with an HTTP port', () => {
    const strip = ofKind('VirtualService').filter((service) =>
      service.metadata.name.startsWith('passport-relay-strip-passport-'),
    );
    expect(strip.length).toBeGreaterThan(0);
    for (const service of strip) {
      for (const host of service.spec.hosts) {
        const entry = ofKind('ServiceEntry').find((candidate) =>
          candidate.spec.hosts.includes(host),
        );
        expect(entry, host).toBeDefined();
        expect(entry!.spec.ports.some((port: Manifest) => port.protocol === 'HTTP')).toBe(true);
      }
    }
  });
});

/** The manifests of one subdirectory of examples/kubernetes. */
function exampleDir(dir: string): { file: string; manifest: Manifest }[] {
  const path = join(EXAMPLE_DIR, dir);
  return readdirSync(path)
    .filter((file) => /\.ya?ml$/.test(file))
    .sort()
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(path, file), 'utf8')).map((document) => {
        if (document.errors.length > 0) throw new Error(`${file}: ${document.errors.join('; ')}`);
        return { file: `${dir}/${file}`, manifest: document.toJS() as Manifest };
      }),
    );
}

function find(list: { manifest: Manifest }[], kind: string, name: string): Manifest {
  const found = list
    .map(({ manifest }) => manifest)
    .find((m) => m.kind === kind && m.metadata.name === name);
  if (found === undefined) throw new Error(`no ${kind} named ${name}`);
  return found;
}

describe('examples/kubernetes/ambient (ambient mode, Gateway API ingress)', () => {
  const ambient = exampleDir('ambient');

  it('validates every manifest through every layer (CRD schema, CEL rules, Envoy types)', () => {
    expect(ambient.length).toBeGreaterThanOrEqual(9);
    for (const { file, manifest } of ambient) {
      expect(
        formatIssues(validator.validate(manifest)),
        `${file}: ${manifest.kind}/${manifest.metadata?.name}`,
      ).toBe('');
    }
  });

  it('labels the namespace for ambient, for the generated waypoint, and for ingress traffic', () => {
    const namespace = find(ambient, 'Namespace', NAMESPACE);
    const waypoints = ambient
      .map(({ manifest }) => manifest)
      .filter((m) => m.kind === 'Gateway' && m.spec.gatewayClassName === 'istio-waypoint');
    expect(waypoints).toHaveLength(1);
    expect(namespace.metadata.labels).toMatchObject({
      'istio.io/dataplane-mode': 'ambient',
      'istio.io/use-waypoint': waypoints[0]!.metadata.name,
      'istio.io/ingress-use-waypoint': 'true',
    });
    const viaWaypoint = find(ambient, 'AuthorizationPolicy', 'passport-relay-only-via-waypoint');
    expect(viaWaypoint.spec.rules[0].from[0].source.principals).toEqual([
      `cluster.local/ns/${NAMESPACE}/sa/${waypoints[0]!.metadata.name}`,
    ]);
  });

  it('attaches the ingress policies to the Gateway API Gateway the HTTPRoute uses', () => {
    const route = find(ambient, 'HTTPRoute', NAMESPACE);
    const [parent] = route.spec.parentRefs;
    const gateway = find(ambient, 'Gateway', parent.name);
    expect(gateway.metadata.namespace).toBe(parent.namespace);
    expect(gateway.spec.gatewayClassName).toBe('istio');
    expect(gateway.spec.listeners.map((listener: Manifest) => listener.name)).toContain(
      parent.sectionName,
    );
    const allowed = gateway.spec.listeners[0].allowedRoutes.namespaces;
    expect(allowed.selector.matchLabels['kubernetes.io/metadata.name']).toBe(NAMESPACE);
    const filter = ambient.map(({ manifest }) => manifest).find((m) => m.kind === 'EnvoyFilter')!;
    expect(filter.metadata.namespace).toBe(gateway.metadata.namespace);
    expect(filter.spec.workloadSelector.labels).toEqual({
      'gateway.networking.k8s.io/gateway-name': gateway.metadata.name,
    });
    const edge = find(ambient, 'AuthorizationPolicy', 'passport-relay-edge-ingress');
    expect(edge.spec.rules[0].from[0].source.principals).toEqual([
      `cluster.local/ns/${gateway.metadata.namespace}/sa/${gateway.metadata.name}-istio`,
    ]);
  });

  it('routes to the edge Service of the shared workloads, which the edge policy targets', () => {
    const route = find(ambient, 'HTTPRoute', NAMESPACE);
    const backends = route.spec.rules.flatMap((rule: Manifest) => rule.backendRefs);
    const edge = find(ambient, 'AuthorizationPolicy', 'passport-relay-edge-ingress');
    expect(backends.map((backend: Manifest) => backend.name)).toEqual([
      edge.spec.targetRefs[0].name,
    ]);
    for (const backend of backends) {
      const service = named('Service', backend.name);
      expect(service.spec.ports.map((p: Manifest) => p.port)).toContain(backend.port);
    }
  });
});

describe('examples/kubernetes/knative (an SDK service as a Knative Service in the mesh)', () => {
  const knative = exampleDir('knative');

  it('validates every manifest (Knative Service subset with its webhook rules, Istio CRDs + CEL)', () => {
    for (const { file, manifest } of knative) {
      expect(
        formatIssues(validator.validate(manifest)),
        `${file}: ${manifest.kind}/${manifest.metadata?.name}`,
      ).toBe('');
    }
  });

  it('runs the same image and keys as the Deployment it replaces, letting Knative set PORT', () => {
    const service = find(knative, 'Service', 'payments');
    const deployment = named('Deployment', 'payments');
    const [container] = service.spec.template.spec.containers;
    const [original] = deployment.spec.template.spec.containers;
    expect(container.image).toBe(original.image);
    const names = (env: Manifest[]) =>
      env.map((variable) => variable.name).filter((name) => name !== 'PORT');
    expect(names(container.env)).toEqual(names(original.env));
    expect(service.spec.template.metadata.annotations['sidecar.istio.io/inject']).toBe('true');
    expect(service.spec.template.spec.serviceAccountName).toBe(
      deployment.spec.template.spec.serviceAccountName,
    );
  });

  it("still requires the passport on Knative's hops, with the generated header", () => {
    const hops = find(knative, 'AuthorizationPolicy', 'passport-relay-knative-hops');
    const required = named('AuthorizationPolicy', 'passport-relay-require-passport');
    expect(hops.spec.rules[0].when).toEqual(required.spec.rules[0].when);
  });

  it('refuses what the Knative webhook refuses: PORT set by the user, a port not named http1/h2c', () => {
    const service = JSON.parse(JSON.stringify(find(knative, 'Service', 'payments'))) as Manifest;
    service.spec.template.spec.containers[0].env.push({ name: 'PORT', value: '8080' });
    service.spec.template.spec.containers[0].ports[0].name = 'http';
    const paths = validator.validate(service).map((issue) => issue.path);
    expect(paths).toContain('spec.template.spec.containers[0].env[3].name');
    expect(paths).toContain('spec.template.spec.containers[0].ports[0].name');
  });
});

describe('examples/kubernetes/txn-token (profile txn-token: the mesh verifies Txn-Tokens)', () => {
  const txn = exampleDir('txn-token');

  it('validates every manifest through every layer (CRD schema, CEL rules, Envoy types)', () => {
    expect(txn.length).toBeGreaterThanOrEqual(5);
    for (const { file, manifest } of txn) {
      expect(
        formatIssues(validator.validate(manifest)),
        `${file}: ${manifest.kind}/${manifest.metadata?.name}`,
      ).toBe('');
    }
  });

  it('replaces the passport requirement by Txn-Token verification at every workload', () => {
    expect(
      txn.some(({ manifest }) => manifest.metadata.name === 'passport-relay-require-passport'),
    ).toBe(false);
    const authentication = find(txn, 'RequestAuthentication', 'passport-relay-txn-token');
    expect(authentication.metadata.namespace).toBe(NAMESPACE);
    expect(authentication.spec.selector).toBeUndefined();
    expect(authentication.spec.jwtRules).toEqual([
      expect.objectContaining({
        fromHeaders: [{ name: 'txn-token' }],
        audiences: ['passport-demo.example.com'],
        forwardOriginalToken: true,
      }),
    ]);
    const policy = find(txn, 'AuthorizationPolicy', 'passport-relay-require-txn-token');
    expect(policy.spec.rules[0].from[0].source.requestPrincipals).toEqual([
      `${authentication.spec.jwtRules[0].issuer}/*`,
    ]);
  });

  it('strips client-supplied Txn-Tokens at the ingress the base example uses', () => {
    const filter = find(txn, 'EnvoyFilter', `passport-relay-${NAMESPACE}-strip-client-passport`);
    const ingress = named('Gateway', 'passport-demo');
    expect(filter.spec.workloadSelector.labels).toEqual(ingress.spec.selector);
    expect(
      filter.spec.configPatches[0].patch.value.typed_config.mutations.request_mutations,
    ).toContainEqual({ remove: 'txn-token' });
  });

  it('lets the ingress reach the edge of the base example without a token', () => {
    const edge = find(txn, 'AuthorizationPolicy', 'passport-relay-edge-ingress');
    const gateway = named('Deployment', 'gateway');
    expect(selects(edge.spec.selector.matchLabels, gateway.spec.template.metadata.labels)).toBe(
      true,
    );
  });
});
