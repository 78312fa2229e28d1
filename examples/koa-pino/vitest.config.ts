import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'example-koa-pino', include: ['example.test.ts'], testTimeout: 60000 },
});
