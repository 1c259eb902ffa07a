/**
 * Injects a Content-Security-Policy <meta> into every built HTML page: the app may load
 * code, models and data from its own origin only, and send nothing anywhere else.
 * Build only: the dev server's HMR client needs inline scripts and a websocket.
 */
import type { Plugin } from 'vite';

/**
 * The policy, directive by directive (why each non-'self' source is there):
 * - 'wasm-unsafe-eval': compiling onnxruntime-web's WebAssembly (no JS eval allowed).
 * - worker-src blob:: onnxruntime-web may start its WASM threads from a blob URL.
 * - style-src 'unsafe-inline': the UI ships its CSS in a <style> element so it renders the
 *   same inside the embed's shadow root (styles cannot run script).
 * - img-src/media-src data: blob:: inline icons and locally made audio blobs.
 * Everything else is 'self': no third-party origin is reachable. connect-src also lists the
 * origins a deployer allowed to serve models (SER_MODEL_ORIGINS). The model fetches run in
 * the inference worker, which this <meta> does not cover: the model origin policy is
 * enforced there in code (src/model/origin-policy.ts).
 */
export const CSP_DIRECTIVES: Readonly<Record<string, string>> = {
  'default-src': "'self'",
  'script-src': "'self' 'wasm-unsafe-eval'",
  'worker-src': "'self' blob:",
  'connect-src': "'self'",
  'style-src': "'self' 'unsafe-inline'",
  'img-src': "'self' data: blob:",
  'media-src': "'self' blob:",
  'font-src': "'self'",
  'object-src': "'none'",
  'base-uri': "'self'",
  'form-action': "'none'",
};

/** The policy as one header/meta value. */
export function cspValue(directives: Readonly<Record<string, string>> = CSP_DIRECTIVES): string {
  return Object.entries(directives)
    .map(([k, v]) => `${k} ${v}`)
    .join('; ');
}

/** @param modelOrigins - origins configured to serve models (SER_MODEL_ORIGINS): added to connect-src. */
export function contentSecurityPolicy(modelOrigins: readonly string[] = []): Plugin {
  const directives = modelOrigins.length ? { ...CSP_DIRECTIVES, 'connect-src': [CSP_DIRECTIVES['connect-src'], ...modelOrigins].join(' ') } : CSP_DIRECTIVES;
  return {
    name: 'content-security-policy',
    apply: 'build',
    transformIndexHtml() {
      return [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: cspValue(directives) }, injectTo: 'head-prepend' }];
    },
  };
}
