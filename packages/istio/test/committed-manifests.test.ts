import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { COMMITTED_MANIFESTS, committedPath, renderCli } from '../scripts/committed-manifests.js';
import { formatIssues, SupportedReleasesValidator } from './support/crd-validator.js';
import type { Parsed } from './support/parsed.js';

describe('committed CLI output is up to date (fix: pnpm --filter @passport-relay/istio run manifests)', () => {
  for (const { file, argv } of COMMITTED_MANIFESTS) {
    it(`${file} is what passport-relay-istio ${argv.join(' ')} prints`, () => {
      expect(readFileSync(committedPath(file), 'utf8')).toBe(renderCli(argv));
    });
  }
});

describe('every committed file passes every layer (CRD schema, CEL rules, Envoy types)', () => {
  const validator = new SupportedReleasesValidator();
  for (const { file } of COMMITTED_MANIFESTS) {
    it(file, () => {
      const documents = parseAllDocuments(readFileSync(committedPath(file), 'utf8'));
      expect(documents.length).toBeGreaterThan(0);
      for (const document of documents) {
        expect(document.errors).toEqual([]);
        const manifest = document.toJS() as Parsed;
        expect(
          formatIssues(validator.validate(manifest)),
          `${manifest.kind}/${manifest.metadata?.name}`,
        ).toBe('');
      }
    });
  }
});
