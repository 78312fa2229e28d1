import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'example-txn-token', include: ['example.test.ts'], testTimeout: 60000 },
});
