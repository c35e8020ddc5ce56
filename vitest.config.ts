import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@acai/source'] },
  ssr: { resolve: { conditions: ['@acai/source'] } },
  test: {
    include: ['{core,cli,create-acai-plugin,plugin-sdk,plugins/*,tests}/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
