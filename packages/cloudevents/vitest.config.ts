import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'cloudevents',
    include: ['test/**/*.test.ts'],
    exclude: ['test/**/*.slow.test.ts'],
  },
});
