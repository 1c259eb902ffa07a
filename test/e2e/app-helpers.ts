/**
 * Helpers for driving the built app in E2E tests: serve dist/ (+ test fixtures), open the
 * page with a model/backend, drop files, read results from the page's store handle.
 */
import type { Page } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { AppState } from '../../src/store/app-store';
import { startStaticServer, type StaticServer, type StaticServerOptions } from './server';

export const REPO = resolve(__dirname, '../..');
export const SHARED = resolve(REPO, '../shared');
export const EMODB = resolve(SHARED, 'data/emodb');
export const FIXTURES = resolve(SHARED, 'data/fixtures');
/** Test-fixture model (random weights; NOT an emotion model). */
export const TINY_MODEL = 'fixtures/models/tiny/manifest.json';

/** Serves the built app with test/fixtures mounted under /fixtures/. */
export function serveApp(opts: Partial<StaticServerOptions> = {}): Promise<StaticServer> {
  return startStaticServer({ root: resolve(REPO, 'dist'), isolate: true, ...opts, mounts: { '/fixtures/': resolve(REPO, 'test/fixtures'), ...opts.mounts } });
}

/** Page URL with ?model= and ?backend=. */
export function appUrl(server: StaticServer, params: { model?: string; backend?: 'auto' | 'webgpu' | 'wasm' } = {}): string {
  const q = new URLSearchParams();
  if (params.model) q.set('model', params.model);
  if (params.backend) q.set('backend', params.backend);
  const s = q.toString();
  return `${server.url}/${s ? `?${s}` : ''}`;
}

/** Snapshot of the app store (plain data). */
export function appState(page: Page): Promise<AppState> {
  return page.evaluate(() => {
    const h = (window as unknown as { __ser: { store: { getState(): unknown } } }).__ser;
    return JSON.parse(JSON.stringify(h.store.getState()));
  }) as Promise<AppState>;
}

/** Waits until the model is loaded (or failed); returns the state. */
export async function waitForModel(page: Page, timeout = 120_000): Promise<AppState> {
  await page.waitForFunction(
    () => {
      const h = (window as unknown as { __ser?: { store: { getState(): { load: { phase: string } } } } }).__ser;
      const phase = h?.store.getState().load.phase;
      return phase === 'ready' || phase === 'error';
    },
    null,
    { timeout },
  );
  return appState(page);
}

/** Drops files through the file picker and waits until every file job finished. */
export async function analyseFiles(page: Page, paths: string[], timeout = 240_000): Promise<AppState> {
  const before = (await appState(page)).files.length;
  await page.getByTestId('file-input').setInputFiles(paths);
  await page.waitForFunction(
    (n) => {
      const h = (window as unknown as { __ser: { store: { getState(): { files: { status: string }[] } } } }).__ser;
      const files = h.store.getState().files;
      return files.length >= n && files.every((f) => f.status === 'done' || f.status === 'error');
    },
    before + paths.length,
    { timeout },
  );
  return appState(page);
}

/** Model the app E2E tests use: the shipped default (override with E2E_MODEL for development). */
export const APP_MODEL = process.env.E2E_MODEL ?? 'models/default/manifest.json';

/** Folder on disk of a model URL served by {@link serveApp}. */
export function modelDir(modelUrl: string): string {
  const rel = modelUrl.replace(/\/manifest\.json$/, '');
  return rel.startsWith('fixtures/') ? resolve(REPO, 'test', rel) : resolve(REPO, 'public', rel);
}

/** What training/predict.py prints: attention (weight per upstream frame) and hop_samples for heads that declare it. */
export interface PythonReference {
  labels: string[];
  probabilities: number[];
  attention?: number[];
  hop_samples?: number;
}

/** The Python pipeline's probabilities for samples [start, end) of a 16 kHz file (training/predict.py). */
export function pythonReference(modelUrl: string, wav: string, startSample = 0, endSample?: number): PythonReference {
  const args = ['-m', 'training.predict', '--model', modelDir(modelUrl), '--wav', wav, '--start-sample', String(startSample)];
  if (endSample !== undefined) args.push('--end-sample', String(endSample));
  const out = execFileSync(resolve(REPO, '.venv/bin/python'), args, { cwd: REPO, encoding: 'utf8' });
  return JSON.parse(out);
}
