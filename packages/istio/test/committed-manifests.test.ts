import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMITTED_MANIFESTS, committedPath, renderCli } from '../scripts/committed-manifests.js';

describe('committed CLI output is up to date (fix: pnpm --filter @passport-relay/istio run manifests)', () => {
  for (const { file, argv } of COMMITTED_MANIFESTS) {
    it(`${file} is what passport-relay-istio ${argv.join(' ')} prints`, () => {
      expect(readFileSync(committedPath(file), 'utf8')).toBe(renderCli(argv));
    });
  }
});
