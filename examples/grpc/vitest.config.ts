import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'example-grpc', include: ['example.test.ts'], testTimeout: 60000 },
});
