import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'example-opentelemetry', include: ['example.test.ts'], testTimeout: 60000 },
});
