import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'example-express-fetch', include: ['example.test.ts'], testTimeout: 60000 },
});
