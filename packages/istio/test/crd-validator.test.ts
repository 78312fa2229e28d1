import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  requirePassportPolicy,
  strictMtlsPolicy,
  stripClientPassportFilter,
} from '../src/index.js';
import { CRD_SCHEMA_DIR, ManifestValidator } from './support/crd-validator.js';
import type { Parsed } from './support/parsed.js';

const validator = new ManifestValidator();

/** A mutable plain copy of a manifest, to break on purpose. */
function copy(manifest: object): Parsed {
  return JSON.parse(JSON.stringify(manifest)) as Parsed;
}

describe('the CRD validator refuses', () => {
  it('a misspelled spec field, naming its path', () => {
    const policy = copy(requirePassportPolicy({ namespace: 'shop' }));
    policy.spec.selectr = { matchLabels: { app: 'orders' } };
    expect(validator.validate(policy)).toEqual([
      { path: 'spec.selectr', message: 'unknown field' },
    ]);
  });

  it('a misspelled field deep inside an array', () => {
    const filter = copy(stripClientPassportFilter({ namespace: 'shop' }));
    filter.spec.configPatches[0].match.listener.filterChain.filtr = { name: 'x' };
    expect(validator.validate(filter)).toEqual([
      { path: 'spec.configPatches[0].match.listener.filterChain.filtr', message: 'unknown field' },
    ]);
  });

  it('a PeerAuthentication mtls.mode outside its enum', () => {
    const policy = copy(strictMtlsPolicy({ namespace: 'shop' }));
    policy.spec.mtls.mode = 'STRICTT';
    expect(validator.validate(policy)).toEqual([
      {
        path: 'spec.mtls.mode',
        message: 'unsupported value; must be one of "UNSET", "DISABLE", "PERMISSIVE", "STRICT"',
      },
    ]);
  });

  it('an EnvoyFilter patch.operation outside its enum', () => {
    const filter = copy(stripClientPassportFilter({ namespace: 'shop' }));
    filter.spec.configPatches[0].patch.operation = 'INSERT_FRST';
    const issues = validator.validate(filter);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('spec.configPatches[0].patch.operation');
    expect(issues[0]?.message).toContain('"INSERT_FIRST"');
  });

  it('a value of the wrong type', () => {
    const policy = copy(requirePassportPolicy({ namespace: 'shop' }));
    policy.spec.rules[0].when[0].values = '*';
    expect(validator.validate(policy)).toEqual([
      { path: 'spec.rules[0].when[0].values', message: 'must be array' },
    ]);
  });

  it('a manifest without metadata.name', () => {
    const policy = copy(strictMtlsPolicy({ namespace: 'shop' }));
    delete policy.metadata.name;
    expect(validator.validate(policy)).toEqual([
      { path: 'metadata.name', message: 'required field missing' },
    ]);
  });

  it('a namespaced manifest without metadata.namespace', () => {
    const policy = copy(strictMtlsPolicy({ namespace: 'shop' }));
    delete policy.metadata.namespace;
    expect(validator.validate(policy)).toEqual([
      { path: 'metadata.namespace', message: 'required field missing' },
    ]);
  });

  it('a name Kubernetes would refuse', () => {
    const policy = copy(strictMtlsPolicy({ namespace: 'shop' }));
    policy.metadata.name = 'Default_Policy';
    expect(validator.validate(policy).map((issue) => issue.path)).toEqual(['metadata.name']);
  });

  it('an unknown metadata field', () => {
    const policy = copy(strictMtlsPolicy({ namespace: 'shop' }));
    policy.metadata.lables = {};
    expect(validator.validate(policy)).toEqual([
      { path: 'metadata.lables', message: 'unknown field' },
    ]);
  });

  it('an unknown top-level field', () => {
    const policy = copy(strictMtlsPolicy({ namespace: 'shop' }));
    policy.specs = {};
    expect(validator.validate(policy)).toEqual([{ path: 'specs', message: 'unknown field' }]);
  });

  it('a kind in an apiVersion that does not serve it', () => {
    const filter = copy(stripClientPassportFilter({ namespace: 'shop' }));
    filter.apiVersion = 'networking.istio.io/v1';
    expect(validator.validate(filter)).toEqual([
      { path: 'kind', message: 'no schema for EnvoyFilter in networking.istio.io/v1' },
    ]);
  });
});

describe('the CRD validator accepts', () => {
  it('anything under an x-kubernetes-preserve-unknown-fields object (EnvoyFilter patch.value): the Envoy layer, not the schema, refuses it', () => {
    const filter = copy(stripClientPassportFilter({ namespace: 'shop' }));
    filter.spec.configPatches[0].patch.value.typed_config.anyEnvoyField = { nested: [1, 'two'] };
    expect(validator.validate(filter)).toEqual([
      {
        path: 'spec.configPatches[0].patch.value.typed_config.anyEnvoyField',
        message: expect.stringContaining('unknown field'),
      },
    ]);
  });

  it('an integer or a string where the schema says x-kubernetes-int-or-string', () => {
    const policy = copy(strictMtlsPolicy({ namespace: 'shop' }));
    policy.status = { observedGeneration: 3 };
    expect(validator.validate(policy)).toEqual([]);
    policy.status = { observedGeneration: '3' };
    expect(validator.validate(policy)).toEqual([]);
    policy.status = { observedGeneration: true };
    expect(validator.validate(policy).map((issue) => issue.path)).toContain(
      'status.observedGeneration',
    );
  });
});

describe('why the validator exists', () => {
  it("the models' own validate() lets a misspelled field through", () => {
    const filter = stripClientPassportFilter({ namespace: 'shop' });
    Object.assign(filter!.spec!, { workloadSelectr: { labels: { istio: 'ingressgateway' } } });
    expect(() => filter!.validate()).not.toThrow();
    expect(validator.validate(filter)).toEqual([
      { path: 'spec.workloadSelectr', message: 'unknown field' },
    ]);
  });
});

const SHARED_SCHEMAS = fileURLToPath(
  new URL('../../../../shared/istio-crd-schemas/', import.meta.url),
);

describe('the copied CRD schemas', () => {
  it.skipIf(!existsSync(SHARED_SCHEMAS))(
    'are byte-identical to the shared istio/api 1.30.3 extraction (skipped when shared/ is not beside the clone)',
    () => {
      const copied = readdirSync(CRD_SCHEMA_DIR).filter((file) => file.endsWith('.json'));
      expect(copied.length).toBeGreaterThanOrEqual(6);
      for (const file of copied) {
        expect(readFileSync(join(CRD_SCHEMA_DIR, file), 'utf8'), file).toBe(
          readFileSync(join(SHARED_SCHEMAS, file), 'utf8'),
        );
      }
    },
  );
});
