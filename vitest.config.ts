import { availableParallelism } from 'node:os';
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
    // vitest runs cores − 1 files at a time: one on a 2-core machine. Most suite files spend their time
    // waiting on child processes, servers and sockets, so two at a time keep both cores busy.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
