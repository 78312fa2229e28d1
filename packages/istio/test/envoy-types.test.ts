/**
 * The Envoy layer: every EnvoyFilter patch converts strictly into Envoy's protobuf types (from
 * Envoy's .proto files), typed_config resolved by its type URL, with protoc-gen-validate rules;
 * and deliberately broken patches fail with their path.
 */
import { describe, expect, it } from 'vitest';
import {
  type IstioManifestOptions,
  passportManifests,
  stripClientPassportFilter,
} from '../src/index.js';
import { EnvoyConverter, EnvoyTypes, envoyPatchIssues } from './support/envoy-types.js';
import type { Parsed } from './support/parsed.js';

function filterJson(options: IstioManifestOptions = { namespace: 'shop' }): Parsed {
  return JSON.parse(JSON.stringify(stripClientPassportFilter(options).toJSON())) as Parsed;
}

function typedConfig(filter: Parsed): Parsed {
  return filter.spec.configPatches[0].patch.value.typed_config;
}

const VALUE = 'spec.configPatches[0].patch.value';

describe('the strip filter converts into Envoy types', () => {
  it.each([
    ['signed, sidecar', { namespace: 'shop' }],
    ['custom header', { namespace: 'shop', header: 'x-passport' }],
    [
      'Gateway API ingress, ambient',
      { namespace: 'shop', gatewayName: 'ingress', dataplane: 'ambient' },
    ],
  ] as [string, IstioManifestOptions][])('%s', (_label, options) => {
    const filters = passportManifests(options).filter(
      (manifest) => manifest.kind === 'EnvoyFilter',
    );
    expect(filters).toHaveLength(1);
    expect(envoyPatchIssues(filters[0])).toEqual([]);
  });

  it('resolves typed_config to header_mutation and reads its PGV rules (not a pass-through)', () => {
    const types = new EnvoyTypes();
    const type = types.type('envoy.extensions.filters.http.header_mutation.v3.HeaderMutation');
    expect(type?.fields.mutations).toBeDefined();
    const rules = types.type('envoy.config.common.mutation_rules.v3.HeaderMutation')?.fields.remove
      ?.parsedOptions;
    expect(JSON.stringify(rules)).toContain('well_known_regex');
  });
});

describe('broken patches fail with their path', () => {
  it('an unknown field in the HttpFilter', () => {
    const filter = filterJson();
    filter.spec.configPatches[0].patch.value.typedConfig2 = {};
    expect(envoyPatchIssues(filter)).toEqual([
      { path: `${VALUE}.typedConfig2`, message: expect.stringContaining('unknown field') },
    ]);
  });

  it('an unknown field inside typed_config (resolved by its type URL)', () => {
    const filter = filterJson();
    typedConfig(filter).mutations.request_mutations[0].delete = 'passport';
    expect(envoyPatchIssues(filter)).toContainEqual({
      path: `${VALUE}.typed_config.mutations.request_mutations[0].delete`,
      message: expect.stringContaining(
        'unknown field "delete" in envoy.config.common.mutation_rules.v3.HeaderMutation',
      ),
    });
  });

  it('an unresolvable type URL', () => {
    const filter = filterJson();
    typedConfig(filter)['@type'] =
      'type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutations';
    expect(envoyPatchIssues(filter)).toEqual([
      {
        path: `${VALUE}.typed_config.@type`,
        message: expect.stringContaining('unresolvable type URL'),
      },
    ]);
  });

  it('a violated protoc-gen-validate rule (empty filter name: string.min_len)', () => {
    const filter = filterJson();
    filter.spec.configPatches[0].patch.value.name = '';
    expect(envoyPatchIssues(filter)).toEqual([
      { path: `${VALUE}.name`, message: expect.stringContaining('min_len') },
    ]);
  });

  it('a violated oneof (validate.required): a mutation with no action', () => {
    const filter = filterJson();
    typedConfig(filter).mutations.request_mutations[0] = {};
    expect(envoyPatchIssues(filter)).toEqual([
      {
        path: `${VALUE}.typed_config.mutations.request_mutations[0]`,
        message: expect.stringContaining('oneof action is required'),
      },
    ]);
  });

  it('a header value Envoy refuses (a newline in remove: well_known_regex)', () => {
    const filter = filterJson();
    typedConfig(filter).mutations.request_mutations[0].remove = 'pass\nport';
    expect(envoyPatchIssues(filter)).toEqual([
      {
        path: `${VALUE}.typed_config.mutations.request_mutations[0].remove`,
        message: expect.stringContaining('well_known_regex'),
      },
    ]);
  });

  it('a wrong JSON type (a list where a message is)', () => {
    const filter = filterJson();
    typedConfig(filter).mutations = [];
    expect(envoyPatchIssues(filter)).toEqual([
      {
        path: `${VALUE}.typed_config.mutations`,
        message: expect.stringContaining('expected a JSON object'),
      },
    ]);
  });

  it('an applyTo with no Envoy type', () => {
    const filter = filterJson();
    filter.spec.configPatches[0].applyTo = 'HTTP_FILTERS';
    expect(envoyPatchIssues(filter)).toEqual([
      { path: 'spec.configPatches[0].applyTo', message: expect.stringContaining('no Envoy type') },
    ]);
  });

  it('converts protojson forms: JSON names, wrappers, durations, enums', () => {
    const converter = new EnvoyConverter(new EnvoyTypes());
    converter.message(
      'envoy.config.route.v3.RetryPolicy',
      { retryOn: '5xx', num_retries: 3, perTryTimeout: '0.5s' },
      'v',
    );
    converter.message('envoy.config.route.v3.RetryPolicy', { perTryTimeout: '5 seconds' }, 'w');
    expect(converter.issues).toEqual([
      { path: 'w.perTryTimeout', message: expect.stringContaining('expected a duration') },
    ]);
  });
});
