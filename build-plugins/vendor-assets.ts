/**
 * Serves (dev) and emits (build) the runtime files that come from npm packages:
 * onnxruntime-web's WASM/JSEP binaries and loader modules, and the Silero VAD model.
 * They land under `vendor/` beside the app, so every path is relative to the bundle.
 */
import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Plugin } from 'vite';

interface VendorFile {
  /** Path served/emitted, relative to the app root. */
  url: string;
  /** Source file inside node_modules. */
  src: string;
}

function vendorFiles(root: string): VendorFile[] {
  const ortDir = join(root, 'node_modules/onnxruntime-web/dist');
  const ort = readdirSync(ortDir)
    .filter((f) => /^ort-wasm-simd-threaded.*\.(wasm|mjs)$/.test(f))
    .map((f) => ({ url: `vendor/ort/${f}`, src: join(ortDir, f) }));
  const vad = {
    url: 'vendor/vad/silero_vad_v5.onnx',
    src: join(root, 'node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx'),
  };
  return [...ort, vad];
}

const TYPES: Record<string, string> = { wasm: 'application/wasm', mjs: 'text/javascript', onnx: 'application/octet-stream' };

export function vendorAssets(): Plugin {
  let files: VendorFile[] = [];
  return {
    name: 'vendor-assets',
    configResolved(config) {
      files = vendorFiles(resolve(config.root));
      for (const f of files) if (!existsSync(f.src)) throw new Error(`vendor asset missing: ${f.src} (run npm ci)`);
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = (req.url ?? '').split('?')[0];
        const hit = files.find((f) => path.endsWith('/' + f.url));
        if (!hit) return next();
        res.setHeader('Content-Type', TYPES[hit.src.split('.').pop() ?? ''] ?? 'application/octet-stream');
        // This middleware answers before Vite adds server.headers: repeat them (COOP/COEP),
        // or a cross-origin-isolated worker refuses the module (ERR_BLOCKED_BY_RESPONSE).
        for (const [k, v] of Object.entries(server.config.server.headers ?? {})) res.setHeader(k, String(v));
        createReadStream(hit.src).pipe(res);
      });
    },
    generateBundle() {
      for (const f of files) this.emitFile({ type: 'asset', fileName: f.url, source: readFileSync(f.src) });
    },
  };
}
