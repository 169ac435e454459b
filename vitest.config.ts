import { defineConfig } from 'vitest/config';

// An explicit include keeps Vitest away from the Playwright specs in e2e/.
export default defineConfig({
  test: {
    include: ['engine/**/*.test.ts', 'app/**/*.test.{ts,tsx}', 'scripts/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
  },
});
