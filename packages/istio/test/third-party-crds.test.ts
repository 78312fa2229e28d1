/**
 * The kinds our examples use that are not Istio's, checked against their projects' own CRDs
 * (../crd-schemas/knative-serving, ../crd-schemas/gateway-api): each is shown accepting the
 * committed example and refusing a broken copy with the path of the fault.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ManifestValidator } from './support/crd-validator.js';
import type { Parsed } from './support/parsed.js';

const validator = new ManifestValidator();

function exampleDocument(file: string, kind: string): Parsed {
  const path = fileURLToPath(new URL(`../../../examples/kubernetes/${file}`, import.meta.url));
  const found = parseAllDocuments(readFileSync(path, 'utf8'))
    .map((document) => document.toJS() as Parsed)
    .find((manifest) => manifest.kind === kind);
  if (found === undefined) throw new Error(`no ${kind} in ${file}`);
  return found;
}

describe("Knative's Service CRD (serving.knative.dev/v1)", () => {
  const service = () => exampleDocument('knative/12-payments.yaml', 'Service');

  it('accepts the committed example', () => {
    expect(validator.validate(service())).toEqual([]);
  });

  it('accepts PodSpec fields the CRD has and the former hand-written subset lacked', () => {
    const withMore = service();
    const container = withMore.spec.template.spec.containers[0];
    container.startupProbe = { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 2 };
    container.volumeMounts = [{ name: 'tmp', mountPath: '/tmp' }];
    withMore.spec.template.spec.volumes = [{ name: 'tmp', emptyDir: {} }];
    withMore.spec.template.spec.enableServiceLinks = false;
    withMore.spec.traffic = [{ latestRevision: true, percent: 100 }];
    expect(validator.validate(withMore)).toEqual([]);
  });

  it('refuses a misspelled container field, with its path', () => {
    const broken = service();
    broken.spec.template.spec.containers[0].readinesProbe = { tcpSocket: { port: 8080 } };
    expect(validator.validate(broken)).toEqual([
      { path: 'spec.template.spec.containers[0].readinesProbe', message: 'unknown field' },
    ]);
  });

  it('refuses a field of the wrong type and a quantity Kubernetes cannot parse', () => {
    const broken = service();
    broken.spec.template.spec.timeoutSeconds = '30s';
    broken.spec.template.spec.containers[0].resources.limits.memory = '256 megabytes';
    const paths = validator.validate(broken).map((issue) => issue.path);
    expect(paths).toContain('spec.template.spec.timeoutSeconds');
    expect(paths).toContain('spec.template.spec.containers[0].resources.limits.memory');
  });

  it("applies the webhook's container rules only after the schema passes", () => {
    const broken = service();
    broken.spec.template.spec.containers[0].ports[0].containerPort = 8012;
    expect(validator.validate(broken)).toEqual([
      {
        path: 'spec.template.spec.containers[0].ports[0].containerPort',
        message: 'must NOT be valid',
      },
    ]);
  });
});

describe('Gateway API HTTPRoute CRD (gateway.networking.k8s.io/v1, standard channel)', () => {
  const route = () => exampleDocument('ambient/20-ingress.yaml', 'HTTPRoute');

  it('accepts the committed example (group and kind of its backendRef defaulted, as the API server does)', () => {
    expect(validator.validate(route())).toEqual([]);
  });

  it('refuses a misspelled field and an experimental-channel field, with their paths', () => {
    const broken = route();
    broken.spec.rules[0].backendRefs[0].wieght = 1;
    broken.spec.rules[0].retry = { attempts: 2 };
    expect(validator.validate(broken)).toEqual([
      { path: 'spec.rules[0].retry', message: 'unknown field' },
      { path: 'spec.rules[0].backendRefs[0].wieght', message: 'unknown field' },
    ]);
  });

  it('refuses a Service backendRef without a port (the CEL rule, on the defaulted kind)', () => {
    const broken = route();
    delete broken.spec.rules[0].backendRefs[0].port;
    expect(validator.validate(broken)).toEqual([
      {
        path: 'spec.rules[0].backendRefs[0]',
        message: expect.stringContaining('CEL rule failed: Must have port for Service reference'),
      },
    ]);
  });

  it('refuses a PathPrefix match that is not an absolute path', () => {
    const broken = route();
    broken.spec.rules[0].matches[0].path.value = 'api';
    const messages = validator.validate(broken).map((issue) => `${issue.path}: ${issue.message}`);
    expect(messages).toContainEqual(
      expect.stringContaining(
        'spec.rules[0].matches[0].path: CEL rule failed: value must be an absolute path',
      ),
    );
  });

  it('evaluates the rules that test has(self.matches[0].path): a prefix rewrite needs one PathPrefix match', () => {
    const broken = route();
    broken.spec.rules[0].matches[0].path.type = 'Exact';
    broken.spec.rules[0].filters = [
      {
        type: 'URLRewrite',
        urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/v2' } },
      },
    ];
    expect(validator.validate(broken)).toEqual([
      {
        path: 'spec.rules[0]',
        message: expect.stringContaining(
          'CEL rule failed: When using URLRewrite filter with path.replacePrefixMatch',
        ),
      },
    ]);
    broken.spec.rules[0].matches[0].path.type = 'PathPrefix';
    expect(validator.validate(broken)).toEqual([]);
  });
});
