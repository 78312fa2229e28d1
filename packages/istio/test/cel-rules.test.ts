/**
 * The CEL layer (the CRDs' `x-kubernetes-validations`, as the API server evaluates them) passes
 * every manifest and refuses deliberately broken ones with the rule's path and message.
 */
import { describe, expect, it } from 'vitest';
import {
  edgeJwtAuthentication,
  edgeRequireJwtPolicy,
  stripClientPassportFilter,
  waypointGateway,
} from '../src/index.js';
import { celIssues } from './support/cel-rules.js';
import { ManifestValidator } from './support/crd-validator.js';
import { PLAIN } from './support/options.js';
import type { Parsed } from './support/parsed.js';

const validator = new ManifestValidator();

function plainJson(manifest: { toJSON(): unknown }): Parsed {
  return JSON.parse(JSON.stringify(manifest.toJSON())) as Parsed;
}

describe('the CEL layer refuses what the API server refuses', () => {
  it("refuses a jwksUri with a leading space: Kubernetes' url() does not parse it", () => {
    const auth = plainJson(edgeJwtAuthentication(PLAIN));
    auth.spec.jwtRules[0].jwksUri = ' https://issuer.example.com/jwks';
    expect(validator.validate(auth)).toEqual([
      {
        path: 'spec.jwtRules[0].jwksUri',
        message: expect.stringContaining('invalid URI for request'),
      },
    ]);
  });

  it('refuses a jwksUri of another scheme with the rule message', () => {
    const auth = plainJson(edgeJwtAuthentication(PLAIN));
    auth.spec.jwtRules[0].jwksUri = 'ftp://issuer.example.com/jwks';
    expect(validator.validate(auth)).toEqual([
      {
        path: 'spec.jwtRules[0].jwksUri',
        message: expect.stringContaining('url must have scheme http:// or https://'),
      },
    ]);
  });

  it('refuses selector and targetRefs together', () => {
    const policy = plainJson(edgeRequireJwtPolicy({ ...PLAIN, gatewayName: 'ingress' }));
    policy.spec.selector = { matchLabels: { istio: 'ingress' } };
    expect(validator.validate(policy)).toEqual([
      { path: 'spec', message: expect.stringContaining('only one of targetRefs or selector') },
    ]);
  });

  it('refuses a cross-namespace targetRef', () => {
    const policy = plainJson(edgeRequireJwtPolicy({ ...PLAIN, gatewayName: 'ingress' }));
    policy.spec.targetRefs[0].namespace = 'elsewhere';
    expect(validator.validate(policy)).toEqual([
      {
        path: 'spec.targetRefs[0].namespace',
        message: expect.stringContaining('cross namespace referencing is not currently supported'),
      },
    ]);
  });

  it('refuses a wildcard in an EnvoyFilter workload selector', () => {
    const filter = plainJson(stripClientPassportFilter({ namespace: 'shop' }));
    filter.spec.workloadSelector.labels.istio = 'ingress*';
    expect(validator.validate(filter)).toEqual([
      {
        path: 'spec.workloadSelector.labels.istio',
        message: expect.stringContaining('wildcard is not supported in selector'),
      },
    ]);
  });

  it('types integers as CEL ints, as the API server does (a port rule compares ints)', () => {
    const schema = {
      type: 'object',
      properties: {
        port: {
          type: 'integer',
          'x-kubernetes-validations': [{ rule: 'self == 8080', message: 'must be 8080' }],
        },
      },
    };
    expect(celIssues(schema, { port: 8080 })).toEqual([]);
    expect(celIssues(schema, { port: 80 })).toEqual([
      { path: 'port', message: expect.stringContaining('must be 8080') },
    ]);
  });

  it('a rule it cannot evaluate (an unknown function) is an issue, never a pass', () => {
    const schema = { type: 'string', 'x-kubernetes-validations': [{ rule: 'self.frobnicate()' }] };
    expect(celIssues(schema, 'x')).toEqual([
      { path: '', message: expect.stringContaining('could not be evaluated') },
    ]);
  });

  it('skips transition rules (oldSelf): they run on update, these manifests are created', () => {
    const schema = { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf' }] };
    expect(celIssues(schema, 'x')).toEqual([]);
  });

  it('isURL and url() follow Go, not WHATWG', () => {
    const schema = {
      type: 'string',
      'x-kubernetes-validations': [
        { rule: 'isURL(self)', message: 'not a URL' },
        { rule: 'url(self).getHostname() == "issuer.example.com"', message: 'wrong host' },
        { rule: 'url(self).getPort() == "8443"', message: 'wrong port' },
        { rule: 'url(self).getEscapedPath() == "/jwks"', message: 'wrong path' },
      ],
    };
    expect(celIssues(schema, 'https://issuer.example.com:8443/jwks')).toEqual([]);
    expect(celIssues(schema, '\thttps://issuer.example.com:8443/jwks').length).toBe(4);
  });

  it("evaluates the Gateway API CRD's rules on the waypoint, with RE2 regexes ((?i) flags)", () => {
    const waypoint = plainJson(waypointGateway({ namespace: 'shop', dataplane: 'ambient' }));
    expect(validator.validate(waypoint)).toEqual([]);
    waypoint.spec.listeners.push({
      name: 'http',
      port: 80,
      protocol: 'http',
      tls: { mode: 'Terminate', options: { a: 'b' } },
    });
    waypoint.spec.listeners.push({ name: 'http', port: 81, protocol: 'HTTP' });
    expect(validator.validate(waypoint)).toEqual([
      {
        path: 'spec.listeners',
        message: expect.stringContaining("tls must not be specified for protocols ['HTTP', 'TCP',"),
      },
      { path: 'spec.listeners', message: expect.stringContaining('Listener name must be unique') },
    ]);
  });
});
