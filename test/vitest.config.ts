import { defineProject } from 'vitest/config';

// Multi-process suites start real services; give them room on a 2-core machine.
export default defineProject({
  test: { name: 'e2e', include: ['**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000 },
});
