import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { passportManifests, strictMtlsPolicy, toYaml } from '../src/index.js';

function documents(text: string): unknown[] {
  return parseAllDocuments(text).map((document) => {
    expect(document.errors).toEqual([]);
    return document.toJS();
  });
}

describe('toYaml', () => {
  it('prints one YAML document per manifest, separated by ---', () => {
    const manifests = passportManifests({ namespace: 'shop', externalHosts: ['api.stripe.com'] });
    const text = toYaml(manifests);
    expect(text.match(/^---$/gm)).toHaveLength(manifests.length - 1);
    expect(documents(text)).toEqual(manifests.map((manifest) => manifest.toJSON()));
  });

  it('prints a single manifest as one document', () => {
    const policy = strictMtlsPolicy({ namespace: 'shop' });
    expect(documents(toYaml(policy))).toEqual([policy.toJSON()]);
  });

  it('starts each document with apiVersion and kind', () => {
    for (const document of toYaml(passportManifests({ namespace: 'shop' })).split('---\n')) {
      expect(document).toMatch(/^apiVersion: .+\nkind: .+\n/);
    }
  });

  it('quotes the "*" presence match so YAML does not read it as an alias', () => {
    expect(toYaml(passportManifests({ namespace: 'shop' }))).toContain('- "*"');
  });

  it('never folds long strings', () => {
    const text = toYaml(passportManifests({ namespace: 'shop' }));
    expect(text).toContain(
      '"@type": type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutation\n',
    );
  });

  it('prints plain objects as well as models', () => {
    expect(toYaml([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }])).toBe(
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n',
    );
  });
});
