import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'doctor', include: ['test/**/*.test.ts'], testTimeout: 30000 },
});
