import { packageBuild } from '../../tsup.shared';

// `shims` gives the CommonJS build an `import.meta.url`, used to load the undici peer lazily.
export default packageBuild(['src/index.ts'], { shims: true });
