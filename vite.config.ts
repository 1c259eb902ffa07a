import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { vendorAssets } from './build-plugins/vendor-assets.ts';

// Cross-origin isolation lets onnxruntime-web use WASM threads; everything the app
// loads is same-origin, so require-corp costs nothing here.
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  // Relative base: the built app and embed work from any sub-folder or CDN path.
  base: './',
  plugins: [react(), vendorAssets()],
  server: { host: '127.0.0.1', port: 5173, headers: isolationHeaders },
  preview: { host: '127.0.0.1', port: 4173, headers: isolationHeaders },
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: true },
});
