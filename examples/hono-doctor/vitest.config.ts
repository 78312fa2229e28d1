import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'example-hono-doctor', include: ['example.test.ts'], testTimeout: 60000 },
});
