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
    // Plugin releases installed by the tests live in acai-plugins/<plugin>/<version>/node_modules, which
    // vitest would hand to Node untransformed; there the SDK they import resolves to its TypeScript
    // source (the @acai/source condition above). Run them through vitest like the rest of the code.
    server: { deps: { inline: [/\/acai-plugins\//] } },
  },
});
