import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'example-rabbitmq-amqp', include: ['example.test.ts'], testTimeout: 120000 },
});
