import { defineConfig } from 'vitest/config';

// One vitest project per package plus the cross-package suite in test/.
export default defineConfig({
  test: {
    projects: ['packages/*', 'test'],
  },
});
