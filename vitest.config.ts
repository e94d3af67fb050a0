import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The behaviours project stays empty until the first spec file lands.
    passWithNoTests: true,
    projects: [
      { test: { name: 'unit', include: ['test/**/*.test.ts'], testTimeout: 60_000 } },
      { test: { name: 'behaviours', include: ['behaviours/**/*.behaviour.ts'] } },
    ],
  },
});
