import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'example-cloudevents-knative', include: ['example.test.ts'], testTimeout: 120000 },
});
