/** Builds the app once before the E2E suite (skip with E2E_SKIP_BUILD=1). */
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CHROMIUM } from './browser';

export default function setup(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: run 'apt-get install -y chromium' (scripts/test-all.sh does).`);
  }
  if (process.env.E2E_SKIP_BUILD !== '1') {
    // vitest sets NODE_ENV=test; the app under test must be the production bundle users get.
    execSync('npx vite build --logLevel warn', { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
  }
}
