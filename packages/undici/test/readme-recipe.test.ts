import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, expect, it } from 'vitest';
import { describeEachUndici } from './undici-versions.js';

// The README's recipe for undici.request that follows redirects, run exactly as written in a fresh
// Node process (the test runner's module loader and this file's own undici would hide what an app
// sees). Before the fix it failed with `invalid onError method` on Node 20 and 22 when fetch ran
// first, and hung on Node 26: the timeout below turns a hang into a failure.
const run = promisify(execFile);
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

beforeAll(() => {
  if (!existsSync(here('../dist/index.js'))) {
    throw new Error(
      'dist/index.js is missing: run `pnpm --filter @passport-relay/undici build` first.',
    );
  }
});

async function runRecipe(major: number, fetchFirst: boolean): Promise<unknown> {
  const preload = major === 8 ? ['--import', here('fixtures/resolve-undici-8.mjs')] : [];
  const args = [
    ...preload,
    here('fixtures/redirect-recipe.mjs'),
    ...(fetchFirst ? ['--fetch-first'] : []),
  ];
  const { stdout } = await run(process.execPath, args, { timeout: 20_000 });
  return JSON.parse(stdout);
}

describeEachUndici(({ major }) => {
  it.each([
    ['undici is loaded before anything calls fetch', false],
    ['fetch ran before undici was loaded (the global dispatcher is the one Node made)', true],
  ])(
    'the README redirect recipe works when %s',
    async (_order, fetchFirst) => {
      expect(await runRecipe(major, fetchFirst)).toEqual({
        statuses: [200, 200, 200],
        received: {
          // request off the list, request on the list, fetch off the list: each first hop carries it
          firstHops: [true, true, true],
          'on-list/request-landed': true,
          'off-list/request-landed': false,
          'off-list/fetch-landed': false,
        },
      });
    },
    30_000,
  );
});
