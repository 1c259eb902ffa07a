/**
 * Issue 17.4 and 17.9 in the built app: a manifest whose metrics.config nests 2,000 levels
 * and one whose file size is 2^53-1 each end in a load error naming the manifest and the
 * field, with Retry, instead of "loading, 100%" forever or a raw RangeError.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REPO, appUrl, serveApp, waitForModel } from './app-helpers';
import { launchBrowser, openPage } from './browser';
import { fixtureDir } from './reliability-fixtures';
import type { StaticServer } from './server';

let browser: Browser;
let server: StaticServer;
let dir: string;

/** The tiny fixture model in `dir/name/`, its manifest changed by `edit`. */
function variant(name: string, edit: (m: Record<string, unknown>) => void): string {
  const src = resolve(REPO, 'test/fixtures/models/tiny');
  cpSync(src, join(dir, name), { recursive: true });
  const m = JSON.parse(readFileSync(join(src, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  edit(m);
  writeFileSync(join(dir, name, 'manifest.json'), JSON.stringify(m));
  return `bad/${name}/manifest.json`;
}

beforeAll(async () => {
  dir = fixtureDir('model-limits');
  server = await serveApp({ mounts: { '/bad/': dir } });
  browser = await launchBrowser({ webgpu: false });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('nested metrics.config and a 2^53-1 byte size: an error naming manifest and field, with Retry', async () => {
  let deep: unknown = 1;
  for (let i = 0; i < 2000; i++) deep = { a: deep };
  const metrics = {
    protocol: 'loso', dataset: 'x', classes: ['a', 'b'], folds: [{ group: '1', n_test: 1, accuracy: 1, uar: 1 }],
    mean_accuracy: 1, std_accuracy: 0, mean_uar: 1, confusion: [[1, 0], [0, 1]], config: { x: deep },
  };
  const cases = [
    { model: variant('nested', (m) => (m['metrics'] = metrics)), field: 'manifest.metrics.config.x' },
    { model: variant('huge', (m) => ((m['head'] as { bytes: number }).bytes = 2 ** 53 - 1)), field: 'manifest.head.bytes: must be <= 4294967296' },
  ];
  for (const c of cases) {
    const t = await openPage(browser, appUrl(server, { model: c.model, backend: 'wasm' }));
    const state = await waitForModel(t.page, 60_000);
    expect(state.load.phase).toBe('error');
    expect(state.load.error).toContain(`${server.url}/${c.model}`);
    expect(state.load.error).toContain(c.field);
    await expect(t.page.getByRole('button', { name: 'Retry loading the model' }).isVisible()).resolves.toBe(true);
    await t.finish(`model-limits-${c.model.split('/')[1]}`);
  }
});
