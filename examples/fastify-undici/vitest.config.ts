import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'example-fastify-undici', include: ['example.test.ts'], testTimeout: 60000 },
});
