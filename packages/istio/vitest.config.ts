import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: 'istio', include: ['test/**/*.test.ts'] } });
