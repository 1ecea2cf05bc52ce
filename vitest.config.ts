import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Generous: tests wait on events, and a loaded 2-core box can take tens of seconds to start a process.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Builds dist/ first when it is missing or stale: CLI tests run the built command.
    globalSetup: ['test/global-setup.ts'],
  },
});
