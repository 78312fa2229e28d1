import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'example-gateway', include: ['example.test.ts'], testTimeout: 60000 },
});
