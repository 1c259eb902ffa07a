/** URL helpers shared by the page and the worker (kept apart from the schema validator). */

/** Absolute URL of a manifest-relative path (model files, model card). */
export function resolveModelUrl(path: string, manifestUrl: string): string {
  return new URL(path, manifestUrl).href;
}
