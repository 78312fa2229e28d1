import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'example-nest-axios', include: ['example.test.ts'], testTimeout: 60000 },
});
