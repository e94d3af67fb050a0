import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/**/*.test.ts'], testTimeout: 60_000 } },
      {
        test: {
          name: 'behaviours',
          // Each spec file is a behaviour; its tests are one per run x step (harness/vitest/).
          include: ['behaviours/**/*.behaviour.ts'],
          globalSetup: ['harness/vitest/global-setup.ts'],
          setupFiles: ['harness/vitest/register.ts'],
        },
      },
    ],
  },
});
