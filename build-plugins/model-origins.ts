/**
 * Build-time model origin allow-list: `SER_MODEL_ORIGINS="https://models.example https://cdn.example"`
 * (commas or spaces) lets the app page and the iframe load models from those origins as
 * well as their own. Validated here, so a typo fails the build instead of the page.
 */
import type { Plugin } from 'vite';
import { parseOriginList } from '../src/model/origin-policy.ts';

/** The origins configured for this build (throws on a malformed entry). */
export function configuredModelOrigins(raw: string | undefined = process.env.SER_MODEL_ORIGINS): string[] {
  try {
    return parseOriginList(raw ?? '');
  } catch (e) {
    throw new Error(`SER_MODEL_ORIGINS: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Defines `__SER_MODEL_ORIGINS__` (a JSON array of origins) for src/env.ts. */
export function modelOrigins(origins: readonly string[]): Plugin {
  return {
    name: 'model-origins',
    config: () => ({ define: { __SER_MODEL_ORIGINS__: JSON.stringify(origins) } }),
  };
}
