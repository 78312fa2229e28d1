import { defineProject } from 'vitest/config';

// The property and jose-conformance tests verify thousands of generated tokens each: seconds on a
// quiet machine, more than vitest's 5 s default when the matrix shares two cores with a build.
export default defineProject({
  test: { name: 'core', include: ['test/**/*.test.ts'], testTimeout: 60_000 },
});
