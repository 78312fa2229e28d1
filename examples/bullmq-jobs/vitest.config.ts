import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'example-bullmq-jobs', include: ['example.test.ts'], testTimeout: 120000 },
});
