import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'example-nats-subjects', include: ['example.test.ts'], testTimeout: 120000 },
});
