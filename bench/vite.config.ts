import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';
import { vendorAssets } from '../build-plugins/vendor-assets.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

// The bench page, built like the app (same worker bundling, same vendor/ort files) into
// bench/.dist. Root is the repository so vendorAssets finds node_modules.
export default defineConfig({
  root,
  base: './',
  publicDir: false,
  plugins: [vendorAssets()],
  worker: { format: 'es' },
  logLevel: 'warn',
  build: {
    target: 'es2022',
    outDir: 'bench/.dist',
    emptyOutDir: true,
    rollupOptions: { input: { page: fileURLToPath(new URL('./page.html', import.meta.url)) } },
  },
});
