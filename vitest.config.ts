import { defineConfig } from 'vitest/config';

// One vitest project per package and per example, plus the cross-package suite in test/.
export default defineConfig({
  test: {
    projects: [
      'packages/*/vitest.config.ts',
      'examples/*/vitest.config.ts',
      'test/vitest.config.ts',
      'peers/*/vitest.config.ts',
    ],
  },
});
