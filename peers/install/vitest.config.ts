import { defineProject } from 'vitest/config';

// Installs from the registry are slow the first time (minutes); later runs reuse the scratch apps
// cached under node_modules/.cache/passport-relay-install and only run `npm ls` and each app.
export default defineProject({
  test: {
    name: 'install',
    include: ['*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    maxConcurrency: 4,
  },
});
