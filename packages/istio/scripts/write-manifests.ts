// Rewrites the committed CLI output (manifests/*.yaml and the Kubernetes example's Istio file).
// Run with: pnpm --filter @passport-relay/istio run manifests
import { writeFileSync } from 'node:fs';
import { COMMITTED_MANIFESTS, committedPath, renderCli } from './committed-manifests.js';

for (const { file, argv } of COMMITTED_MANIFESTS) {
  writeFileSync(committedPath(file), renderCli(argv));
  process.stdout.write(`wrote ${file}\n`);
}
