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
 * Everything else, connect-src included, is 'self': no third-party origin is reachable,
 * so a model from another origin (?model=https://...) is refused by the browser.
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

export function contentSecurityPolicy(): Plugin {
  return {
    name: 'content-security-policy',
    apply: 'build',
    transformIndexHtml() {
      return [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: cspValue() }, injectTo: 'head-prepend' }];
    },
  };
}
