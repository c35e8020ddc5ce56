import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The web console: plain TypeScript and DOM APIs, bundled by Vite into core/dist/console, which the
// host serves at /console (core/src/web-console). The output must need nothing inline: the console's
// Content-Security-Policy allows scripts and styles from the host's own origin only.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  publicDir: 'public',
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    // No data: URIs and no inline code; every asset is a hashed file under assets/.
    assetsInlineLimit: 0,
    // Chromium, Firefox and Safari preload modules natively; the polyfill is not needed.
    modulePreload: { polyfill: false },
    target: 'es2022',
    sourcemap: true,
    reportCompressedSize: false,
  },
  server: {
    // `npm run console:dev`: the console with hot reload on :5173, talking to a host on :8080.
    port: 5173,
    strictPort: true,
    proxy: Object.fromEntries(['/twirp', '/auth', '/metrics'].map((prefix) => [prefix, { target: 'http://127.0.0.1:8080' }])),
  },
});
