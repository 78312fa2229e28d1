import { packageBuild } from '../../tsup.shared';

// The library (dual ESM + CJS) and the `passport-relay-istio` CLI (its bin is dist/cli.js, ESM).
export default packageBuild(['src/index.ts', 'src/cli.ts']);
