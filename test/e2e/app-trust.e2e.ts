/**
 * Issue 14 parts 3, 6, 7, 8 in the built app (headless Chromium, WASM): the model picker
 * switches without a reload and is remembered; a bad model list is a clear error; a sample
 * clip is analysed with its attribution shown; exports say what produced them; the model
 * card page renders the card's UTF-8 (±) with tables a keyboard can reach. Uses the small
 * shipped resemblyzer-emodb model and the tiny fixture; the slow default only once, to check
 * that a sample goes through the normal file path to the same numbers as the Python pipeline.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { APP_MODEL, REPO, TINY_MODEL, appState, appUrl, pythonReference, serveApp, waitForModel } from './app-helpers';
import { RESULTS_DIR, launchBrowser, openPage } from './browser';
import type { StaticServer } from './server';

const SMALL = 'resemblyzer-emodb';
const VIEWPORTS = [
  { name: '1280', viewport: { width: 1280, height: 900 } },
  { name: '360', viewport: { width: 360, height: 780 } },
] as const;

let server: StaticServer;
let browser: Browser;
beforeAll(async () => {
  server = await serveApp();
  browser = await launchBrowser({ webgpu: false });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const modelName = async (page: Page) => (await appState(page)).model?.name ?? null;
const noHorizontalScroll = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

test('the picker switches models without a reload, shows the choice in the URL and remembers it', async () => {
  const t = await openPage(browser, appUrl(server, { model: TINY_MODEL, backend: 'wasm' }), { viewport: VIEWPORTS[0].viewport });
  const { page } = t;
  expect((await waitForModel(page)).load.phase).toBe('ready');
  await page.evaluate(() => ((window as unknown as { __sameDocument: number }).__sameDocument = 1));
  const picker = page.getByTestId('model-picker');
  // The link's model is not a shipped one: said so, and it stays selected.
  await expect(picker.inputValue()).resolves.toBe('');
  await expect(page.locator('[data-testid=model-picker] option').allTextContents()).resolves.toEqual([
    `Other: ${TINY_MODEL}`,
    'whisper-base-3corpora (default)',
    'resemblyzer-emodb',
  ]);

  // Keyboard: focus the picker and choose with the keyboard's selectOption equivalent.
  await picker.focus();
  await picker.selectOption(SMALL);
  await page.waitForFunction(
    (name) => (window as unknown as { __ser: { store: { getState(): { model: { name: string } | null; load: { phase: string } } } } }).__ser.store.getState().model?.name === name,
    SMALL,
    { timeout: 120_000 },
  );
  expect(await page.evaluate(() => (window as unknown as { __sameDocument?: number }).__sameDocument)).toBe(1); // no reload
  expect(new URL(page.url()).searchParams.get('model')).toBe(`models/${SMALL}/manifest.json`);
  expect(await page.evaluate(() => localStorage.getItem('ser.model'))).toBe(SMALL);
  await expect(page.getByTestId('model-panel-name').textContent()).resolves.toBe(`${SMALL} 1.0.0`);
  await expect(page.getByTestId('model-trained-on').textContent()).resolves.toMatch(/Trained on 339 acted clips from 10 speakers in German.*EmoDB \(Burkhardt et al., 2005\): German, 10 speakers, 339 clips, acted/);
  await expect(page.getByTestId('model-classes').textContent()).resolves.toBe('anger, happiness, neutral, sadness');
  await expect(page.getByTestId('model-unseen').textContent()).resolves.toMatch(/48\.1 %/);
  await expect(page.getByTestId('model-licence').textContent()).resolves.toMatch(/Apache-2.0/);

  // A plain visit (no ?model=) starts with the remembered model.
  await page.goto(`${server.url}/?backend=wasm`);
  expect((await waitForModel(page)).load.phase).toBe('ready');
  expect(await modelName(page)).toBe(SMALL);
  await expect(page.getByTestId('model-picker').inputValue()).resolves.toBe(SMALL);
  await t.finish('trust-picker-1280');
});

test('a malformed model list is a clear error; the model from the link still works', async () => {
  const t = await openPage(browser, 'about:blank');
  await t.page.route('**/models/index.json', (route) => route.fulfill({ contentType: 'application/json', body: JSON.stringify({ models: [{ name: 'x', folder: '../../etc', description: 'd', default: true }] }) }));
  await t.page.goto(appUrl(server, { model: TINY_MODEL, backend: 'wasm' }));
  expect((await waitForModel(t.page)).load.phase).toBe('ready');
  await expect(t.page.getByTestId('model-index-error').textContent()).resolves.toMatch(/could not be read: model list entry 1: "folder" must be a plain folder name/);
  await t.finish('trust-bad-index');
});

for (const { name, viewport } of VIEWPORTS) {
  test(`${name} px: a sample gives a result with its attribution shown; exports say what produced them`, async () => {
    const t = await openPage(browser, appUrl(server, { model: `models/${SMALL}/manifest.json`, backend: 'wasm' }), { viewport });
    const { page } = t;
    expect((await waitForModel(page)).load.phase).toBe('ready');
    const attribution = page.getByTestId('samples-attribution');
    await expect(attribution.textContent()).resolves.toMatch(/acted studio recordings.*Livingstone & Russo \(2018\).*CC BY-NC-SA 4\.0/);
    await expect(attribution.locator('a[rel=license]').getAttribute('href')).resolves.toBe('https://creativecommons.org/licenses/by-nc-sa/4.0/');
    await expect(attribution.locator('a[href="https://doi.org/10.5281/zenodo.1188976"]').count()).resolves.toBe(1);

    const button = page.locator('[data-testid=sample-button][data-file="ravdess-anger-actor16.wav"]');
    await button.focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      () => {
        const s = (window as unknown as { __ser: { store: { getState(): { files: { status: string }[] } } } }).__ser.store.getState();
        return s.files.length === 1 && (s.files[0].status === 'done' || s.files[0].status === 'error');
      },
      null,
      { timeout: 120_000 },
    );
    const s = await appState(page);
    expect(s.files[0]).toMatchObject({ name: 'ravdess-anger-actor16.wav', status: 'done' });
    expect(s.order.length).toBeGreaterThanOrEqual(1);
    const first = s.results[s.order[0]];
    expect(first).toMatchObject({ id: 'u1', source: 'file', fileName: 'ravdess-anger-actor16.wav', labels: ['anger', 'happiness', 'neutral', 'sadness'] });
    expect(first.endS - first.startS).toBeGreaterThan(1);
    expect(await noHorizontalScroll(page)).toBeLessThanOrEqual(0);

    // Exports, through the History buttons (downloads).
    const download = async (label: string) => {
      const [d] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: label }).click()]);
      return readFileSync((await d.path()) as string, 'utf8');
    };
    const version = JSON.parse(readFileSync(resolve(REPO, 'package.json'), 'utf8')).version;
    const doc = JSON.parse(await download('Export JSON'));
    expect(doc.app).toEqual({ name: 'emotion-recognizer', version });
    expect(doc.models).toEqual([{ name: SMALL, version: '1.0.0', labels: ['anger', 'happiness', 'neutral', 'sadness'] }]);
    expect(doc.microphone).toEqual([]);
    expect(doc.files[0]).toMatchObject({ id: 'u1', source: 'file', file: 'ravdess-anger-actor16.wav', backend: 'wasm', model_name: SMALL, model_version: '1.0.0' });
    expect(doc.files[0].inference_ms).toBeGreaterThan(0);
    expect(doc.files[0].attention.weights.length).toBeGreaterThan(0); // CorrAP head
    const [header, row] = (await download('Export CSV')).trim().split('\n');
    const cols = header.split(',');
    for (const k of Object.keys(doc.files[0]).filter((k) => k !== 'probabilities' && k !== 'untuned_probabilities')) expect(cols).toContain(k);
    expect(cols).toEqual(expect.arrayContaining(['app_version', 'exported_at', 'p_anger', 'p_sadness']));
    expect(row.startsWith('u1,file,ravdess-anger-actor16.wav,')).toBe(true);
    // Close-ups for looking at the new panels (the full page at 360 px is too tall to read).
    await page.getByTestId('samples').screenshot({ path: resolve(RESULTS_DIR, `trust-samples-panel-${name}.png`) });
    await page.getByTestId('model-panel').screenshot({ path: resolve(RESULTS_DIR, `trust-model-panel-${name}.png`) });
    await t.finish(`trust-sample-${name}`);
  });

  test(`${name} px: the model card page renders the card (± intact), tables reachable by keyboard`, async () => {
    const t = await openPage(browser, `${server.url}/model-card.html?model=${encodeURIComponent(`models/${SMALL}/manifest.json`)}`, { viewport });
    const { page } = t;
    await page.waitForFunction(() => document.getElementById('card')?.getAttribute('aria-busy') === 'false');
    const text = (await page.locator('#card').textContent()) ?? '';
    expect(text).toContain('88.0 ± 6.5 %');
    expect(text).not.toContain('Â');
    await expect(page.locator('#card h1').count()).resolves.toBe(1);
    await expect(page.title()).resolves.toBe(`${SMALL} 1.0.0: model card`);
    // Back link first, then the tables' scroll regions are Tab stops.
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('← Back to the recognizer');
    const regions = await page.locator('#card .table-scroll[tabindex="0"]').count();
    expect(regions).toBeGreaterThan(0);
    expect(await noHorizontalScroll(page)).toBeLessThanOrEqual(0);
    await page.screenshot({ path: resolve(RESULTS_DIR, `trust-card-top-${name}.png`) });
    await t.finish(`trust-card-${name}`);
  });
}

test('the model panel links to the card page of the loaded model', async () => {
  const t = await openPage(browser, appUrl(server, { model: `models/${SMALL}/manifest.json`, backend: 'wasm' }));
  expect((await waitForModel(t.page)).load.phase).toBe('ready');
  const link = t.page.getByTestId('model-card-link');
  await Promise.all([t.page.waitForURL(/model-card\.html/), link.click()]);
  await t.page.waitForFunction(() => document.getElementById('card')?.getAttribute('aria-busy') === 'false');
  await expect(t.page.locator('#card h1').textContent()).resolves.toMatch(/resemblyzer/i);
  await t.finish('trust-card-link');
});

test('default model: a sample clip is analysed like a dropped file (Python pipeline within 0.02)', async () => {
  const t = await openPage(browser, appUrl(server, { model: APP_MODEL, backend: 'wasm' }));
  const { page } = t;
  expect((await waitForModel(page, 180_000)).load.error).toBeNull();
  await page.locator('[data-testid=sample-button][data-file="ravdess-anger-actor16.wav"]').click();
  await page.waitForFunction(
    () => (window as unknown as { __ser: { store: { getState(): { files: { status: string }[] } } } }).__ser.store.getState().files[0]?.status === 'done',
    null,
    { timeout: 240_000 },
  );
  const s = await appState(page);
  expect(s.files[0].utteranceIds).toHaveLength(1);
  const r = s.results[s.files[0].utteranceIds[0]];
  const wav = resolve(REPO, 'public/samples/ravdess-anger-actor16.wav');
  const ref = pythonReference(APP_MODEL, wav, Math.round(r.startS * 16000), Math.round(r.endS * 16000));
  expect(r.labels).toEqual(ref.labels);
  for (let i = 0; i < ref.probabilities.length; i++) expect(Math.abs(r.probabilities[i] - ref.probabilities[i])).toBeLessThan(0.02);
  expect(r.labels[r.probabilities.indexOf(Math.max(...r.probabilities))]).toBe('anger');
  await t.finish('trust-sample-default');
});
