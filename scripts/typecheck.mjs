// `pnpm typecheck`: every workspace project with a tsconfig.json, checked by TypeScript 7 (the
// native compiler: a fraction of 5.x's time), then the published declarations compiled by
// TypeScript 5.x as a user on 5.x compiles them (tsup still emits them with 5.x's API, which 7 no
// longer has).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc7 = join(root, 'node_modules', 'typescript7', 'bin', 'tsc');
const tsc5 = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

const inFolder = (folder) =>
  readdirSync(join(root, folder), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(root, folder, entry.name));
const projects = [
  ...inFolder('packages'),
  ...inFolder('examples'),
  join(root, 'test'),
  join(root, 'bench'),
].filter((dir) => existsSync(join(dir, 'tsconfig.json')));

function check(compiler, dir) {
  return new Promise((done) => {
    const child = spawn(process.execPath, [compiler, '--noEmit', '-p', dir], { cwd: root });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => done({ dir: relative(root, dir) || '.', code, output }));
  });
}

const started = Date.now();
const results = [];
const queue = [...projects];
await Promise.all(
  [0, 1].map(async () => {
    for (let dir = queue.shift(); dir !== undefined; dir = queue.shift())
      results.push(await check(tsc7, dir));
  }),
);
const consumer = join(root, 'peers', 'types-consumer');
const published = await check(tsc5, consumer);
for (const result of [...results, published]) {
  if (result.code !== 0) console.log(`\n✗ ${result.dir}\n${result.output}`);
}
const failed = [...results, published].filter((result) => result.code !== 0);
console.log(
  `TypeScript 7: ${results.length - failed.filter((r) => r !== published).length}/${results.length} projects clean; ` +
    `published types under TypeScript 5: ${published.code === 0 ? 'clean' : 'FAILED'} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
);
process.exit(failed.length > 0 ? 1 : 0);
