import { defaultClientConditions, defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { VitePWA } from 'vite-plugin-pwa';
import { vendorAssets } from './build-plugins/vendor-assets.ts';
import { contentSecurityPolicy } from './build-plugins/csp.ts';
import { configuredModelOrigins, modelOrigins } from './build-plugins/model-origins.ts';
import { appVersion } from './build-plugins/app-version.ts';

/** Extra origins allowed to serve models (SER_MODEL_ORIGINS at build time; README "Hosting notes"). */
const MODEL_ORIGINS = configuredModelOrigins();

// Cross-origin isolation lets onnxruntime-web use WASM threads; everything the app
// loads is same-origin, so require-corp costs nothing here.
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * The generated manifest validator only defines functions and constants; saying so lets the
 * bundler drop it from the page bundle, where nothing calls it (the worker validates).
 */
function pureManifestValidator(): Plugin {
  return {
    name: 'pure-manifest-validator',
    transform(code, id) {
      if (id.endsWith('/manifest-validator.generated.js')) return { code, moduleSideEffects: false, map: null };
    },
  };
}

/**
 * A build with NODE_ENV other than production (vitest exports NODE_ENV=test to anything it
 * spawns) bundles React's development build: larger, slower, and it keeps an Error with a
 * stack per rendered element. Refuse it instead of shipping or testing that bundle.
 */
function requireProductionBuild(): Plugin {
  return {
    name: 'require-production-build',
    apply: 'build',
    configResolved(config) {
      if (!config.isProduction) {
        throw new Error(`vite build with NODE_ENV=${process.env.NODE_ENV}: would bundle React's development build; unset NODE_ENV or set it to production`);
      }
    },
  };
}

/**
 * The app page's service worker (src/pwa/sw.ts; offline use, install, updates; README "Offline
 * and install"). It precaches what the page loads apart from the models: the app shell, the
 * onnxruntime-web build the workers import (onnxruntime-web/webgpu 1.30 loads the `asyncify`
 * files only) and the VAD model. Models stay in the model cache (src/model/cache.ts), so no
 * file is stored twice. The embed's files are left out: a host page never gets this worker.
 */
const serviceWorker = VitePWA({
  strategies: 'injectManifest',
  srcDir: 'src/pwa',
  filename: 'sw.ts',
  injectRegister: false, // src/pwa/register.ts, from the page's code only
  manifest: false, // public/manifest.webmanifest, linked from index.html only
  injectManifest: {
    globPatterns: ['index.html', 'model-card.html', 'models/index.json', 'samples/*.{wav,json}', 'manifest.webmanifest', 'favicon.svg', 'icons/*.png', 'assets/**/*.{js,css}', 'vendor/ort/ort-wasm-simd-threaded.asyncify.{mjs,wasm}', 'vendor/vad/*.onnx'],
    // The embed's own entry chunks (embed.html, the custom element): never used by the app page.
    globIgnores: ['**/*.map', 'assets/embed-*.js', 'assets/element-*.js'],
    maximumFileSizeToCacheInBytes: 32 * 1024 * 1024, // onnxruntime's wasm is ~27 MB
  },
});

export default defineConfig({
  // Relative base: the built app and embed work from any sub-folder or CDN path.
  base: './',
  plugins: [requireProductionBuild(), react(), vendorAssets(), pureManifestValidator(), modelOrigins(MODEL_ORIGINS), appVersion(), contentSecurityPolicy(MODEL_ORIGINS), serviceWorker],
  // onnxruntime-web without its inlined WASM loader: the loader (.mjs) is fetched from
  // vendor/ort/ at run time, which keeps the JS small and the .wasm files in one place.
  resolve: { conditions: ['onnxruntime-web-use-extern-wasm', ...defaultClientConditions] },
  // Pre-bundle ORT for the dev server up front: found late (inside the workers), it would
  // trigger a re-optimisation and a page reload on the first visit.
  optimizeDeps: { include: ['onnxruntime-web/webgpu'] },
  server: { host: '127.0.0.1', port: 5173, headers: isolationHeaders },
  preview: { host: '127.0.0.1', port: 4173, headers: isolationHeaders },
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    sourcemap: true,
    rolldownOptions: {
      // The app, the iframe page, the model card page and the embeddable module (stable name at the root).
      input: { index: 'index.html', embed: 'embed.html', 'model-card': 'model-card.html', 'emotion-recognizer': 'src/embed/index.ts' },
      preserveEntrySignatures: 'exports-only',
      output: { entryFileNames: (c) => (c.name === 'emotion-recognizer' ? '[name].js' : 'assets/[name]-[hash].js') },
    },
  },
});
