import { defineConfig } from 'vitest/config';
import { HOOK_TIMEOUT_MS, TEST_TIMEOUT_MS, WAIT_TIMEOUT_MS } from './tests/support/timing.js';

// Budgets come from tests/support/timing.ts (scaled by ACAI_TEST_TIME_SCALE): generous, because they
// only bound hangs; no test depends on being faster than them.
export default defineConfig({
  resolve: { conditions: ['@acai/source'] },
  ssr: { resolve: { conditions: ['@acai/source'] } },
  test: {
    include: ['{core,plugin-sdk,plugins/*,tests}/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: TEST_TIMEOUT_MS,
    hookTimeout: HOOK_TIMEOUT_MS,
    expect: { poll: { timeout: WAIT_TIMEOUT_MS, interval: 50 } },
    pool: 'forks',
  },
});
