import { it } from 'vitest';

// A peer set whose packages need a newer Node than the one running: the matrix (`pnpm test`) runs
// it on the Node versions that have it. The reason is the test's name.
it.skip(process.env.PEER_SET_SKIPPED ?? 'peer set skipped on this Node', () => {});
