import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

// These run the built package in a fresh Node process, as an ESM or a CommonJS service would load
// it (a test runner's own module loader would hide what real imports see).
const run = promisify(execFile);
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

async function runFixture(name: string): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, [here(`fixtures/${name}`)], { timeout: 30_000 });
  return JSON.parse(stdout) as Record<string, unknown>;
}

beforeAll(() => {
  for (const file of ['../dist/index.js', '../dist/index.cjs']) {
    if (!existsSync(here(file))) {
      throw new Error(
        `${file} is missing: run \`pnpm --filter @passport-relay/http build\` first.`,
      );
    }
  }
});

describe('an ESM importer of node:http', () => {
  it('sees the wrapper through named imports taken before install, and the originals after', async () => {
    const result = await runFixture('esm-importer.mjs');
    expect(result).toEqual({
      patchedOnImport: false,
      namedBindingUpdated: true,
      namedBindingRestored: true,
      received: {
        '/named-get': true,
        '/named-request': true,
        '/default-get': true,
        // a function value copied into a variable before install stays the original
        '/copy-taken-before-install': false,
        '/named-get-after-uninstall': false,
      },
    });
  });
});

describe('a CommonJS importer of node:http', () => {
  it('sees the wrapper through the module object, and the originals after', async () => {
    const result = await runFixture('cjs-importer.cjs');
    expect(result).toEqual({
      patchedOnRequire: false,
      restored: true,
      received: {
        '/property-get': true,
        '/required-again-request': true,
        // `const { get } = require('node:http')` before install keeps the original function
        '/destructured-before-install': false,
        '/property-get-after-uninstall': false,
      },
    });
  });
});
