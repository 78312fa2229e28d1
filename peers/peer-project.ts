import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineProject, type UserWorkspaceConfig } from 'vitest/config';

/** Where a peer set's own node_modules are, and which package's tests it reruns. */
export interface PeerSetOptions {
  /** The vitest project name, e.g. `nest@11`. */
  readonly name: string;
  /** `import.meta.url` of the peer set's vitest.config.ts. */
  readonly configUrl: string;
  /** The workspace package whose tests run against these peers, e.g. `nest`. */
  readonly packageDir: string;
  /**
   * Every bare import the tests or the package make that must come from this set; an entry with
   * `to` maps a name the tests use onto a file of the set (a package renamed in a newer major).
   */
  readonly peers: readonly (string | { readonly name: string; readonly to: string })[];
  /**
   * Test files of the package that cannot run against the set, each with the reason.
   * @default []
   */
  readonly exclude?: readonly { readonly file: string; readonly why: string }[];
  /**
   * The oldest Node the set installs on (its packages' `engines`), e.g. `22.15`. On an older Node
   * the project runs one skipped test that says so instead of the package's tests.
   */
  readonly minNode?: string;
  /** Extra vitest `test` options (timeouts), as the package's own config has them. */
  readonly test?: UserWorkspaceConfig['test'];
}

const atLeast = (version: string, minimum: string) => {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const [minMajor = 0, minMinor = 0] = minimum.split('.').map(Number);
  return major > minMajor || (major === minMajor && minor >= minMinor);
};

const escapeRegExp = (name: string) => name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * Reruns a package's own test files with its peers taken from a peer set's node_modules.
 *
 * Vite resolves a bare import from the importing file, so the package's tests (and its sources,
 * which they import) would otherwise load the package's own devDependencies. Aliasing each peer
 * name to the set's copy makes the tests and the sources load the oldest (or newest) supported
 * major, while those peers' own imports of each other resolve inside the set, as pnpm installed
 * them for it.
 */
export function peerSetProject(options: PeerSetOptions) {
  const setDir = dirname(fileURLToPath(options.configUrl));
  const packageRoot = resolve(setDir, '../../packages', options.packageDir);
  const running = process.versions.node;
  if (options.minNode !== undefined && !atLeast(running, options.minNode)) {
    return defineProject({
      test: {
        name: options.name,
        dir: dirname(setDir),
        include: ['needs-newer-node.test.ts'],
        env: {
          PEER_SET_SKIPPED: `${options.name} needs Node >= ${options.minNode} (its peers' engines); this is Node ${running}`,
        },
      },
    });
  }
  return defineProject({
    root: packageRoot,
    resolve: {
      alias: options.peers.map((peer) =>
        typeof peer === 'string'
          ? {
              find: new RegExp(`^${escapeRegExp(peer)}(?=/|$)`),
              replacement: join(setDir, 'node_modules', peer),
            }
          : {
              find: new RegExp(`^${escapeRegExp(peer.name)}$`),
              replacement: join(setDir, peer.to),
            },
      ),
    },
    test: {
      ...options.test,
      name: options.name,
      dir: packageRoot,
      include: ['test/**/*.test.ts'],
      exclude: ['**/node_modules/**', ...(options.exclude ?? []).map(({ file }) => file)],
    },
  });
}
