/** Defines `__APP_VERSION__` (package.json's version) for src/env.ts: exports say which app produced them. */
import { readFileSync } from 'node:fs';
import type { Plugin } from 'vite';

export function appVersion(packageJson = new URL('../package.json', import.meta.url)): Plugin {
  const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string };
  return { name: 'app-version', config: () => ({ define: { __APP_VERSION__: JSON.stringify(version) } }) };
}
