import { defineConfig, type Options } from 'tsup';

/**
 * One build for every package: ESM and CommonJS side by side, each with its own declarations
 * (`.d.ts` for import, `.d.cts` for require), so Nest apps on CommonJS and ESM services both work.
 */
export function packageBuild(entry: Options['entry'] = ['src/index.ts'], extra: Options = {}) {
  return defineConfig({
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    splitting: false,
    treeshake: true,
    ...extra,
  });
}
