import { packageBuild } from '../../tsup.shared';

// The library entries (dual ESM + CJS) and the `passport-relay-keys` CLI (its bin is dist/keys-cli.js).
export default packageBuild([
  'src/index.ts',
  'src/express.ts',
  'src/fastify.ts',
  'src/keys-cli.ts',
]);
