/**
 * "Where it heard it" in headless Chromium with the tiny-pipeline fixture (a CorrAP head on a
 * random tiny upstream, NOT an emotion model) on a real EmoDB utterance: the result carries at
 * most 100 attention points summing to 1 that equal `python -m training.predict`'s attention
 * binned the same way; the view shows it with an accessible summary; clicking (and Enter on)
 * the view plays from the highlighted stretch; a history row selects its utterance. With the
 * tiny mean-head fixture the view is hidden. Screenshots at 1280 and 360 px.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { RESULTS_DIR, launchBrowser, openPage } from './browser';
import type { StaticServer } from './server';
import { EMODB, REPO, TINY_MODEL, analyseFiles, appUrl, serveApp, waitForModel, type PythonReference } from './app-helpers';
import { binAttention } from '../../src/model/attention';

/** tiny-pipeline with its fp32 upstream only (WASM would pick int8, whose dynamic quantisation rounds differently from Python's). */
const MODEL = 'attn-model/manifest.json';
const SOURCE = resolve(REPO, 'test/fixtures/models/tiny-pipeline');
const ANGER = resolve(EMODB, '03a01Wa.wav');
const SR = 16000;
/** Largest |page - python| per point (same fp32 graphs; WASM vs native CPU kernels). */
const TOLERANCE = 1e-4;
/** Records every AudioBufferSourceNode.start(when, offset) the page makes. */
const RECORD_PLAYBACK = `
  window.__starts = [];
  const start = AudioBufferSourceNode.prototype.start;
  AudioBufferSourceNode.prototype.start = function (when, offset, duration) {
    window.__starts.push(offset ?? 0);
    return start.call(this, when, offset, duration);
  };`;

let server: StaticServer;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ser-attn-'));
  const m = JSON.parse(readFileSync(join(SOURCE, 'manifest.json'), 'utf8')) as { upstream: { variants: { id: string }[] } };
  m.upstream.variants = m.upstream.variants.filter((v) => v.id === 'fp32');
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
  for (const f of ['upstream.fp32.onnx', 'head.onnx', 'MODEL_CARD.md']) copyFileSync(join(SOURCE, f), join(dir, f));
  server = await serveApp({ mounts: { '/attn-model/': dir } });
});
afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** training/predict.py on samples [start, end) with the served model folder. */
function pythonReference(wav: string, start: number, end: number): PythonReference {
  const args = ['-m', 'training.predict', '--model', dir, '--wav', wav, '--start-sample', String(start), '--end-sample', String(end)];
  return JSON.parse(execFileSync(resolve(REPO, '.venv/bin/python'), args, { cwd: REPO, encoding: 'utf8' })) as PythonReference;
}

const starts = (page: import('playwright-core').Page) => page.evaluate(() => (window as unknown as { __starts: number[] }).__starts);

describe('attention view', () => {
  test('CorrAP fixture: <= 100 points matching Python, accessible view, plays from the highlighted stretch', async () => {
    const browser = await launchBrowser({ webgpu: false });
    try {
      const t = await openPage(browser, appUrl(server, { model: MODEL, backend: 'wasm' }), { viewport: { width: 1280, height: 900 }, initScript: RECORD_PLAYBACK });
      expect((await waitForModel(t.page, 180_000)).load.error).toBeNull();
      const state = await analyseFiles(t.page, [ANGER], 240_000);
      const job = state.files[0];
      expect(job.status, job.message ?? '').toBe('done');
      const r = state.results[job.utteranceIds[0]];
      const a = r.attention!;
      expect(a.weights.length).toBeGreaterThan(0);
      expect(a.weights.length).toBeLessThanOrEqual(100);
      expect(a.weights.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 4);

      expect(state.backend?.variant).toBe('fp32');
      const ref = pythonReference(ANGER, Math.round(r.startS * SR), Math.round(r.endS * SR));
      const frames = ref.attention ?? [];
      const hop = ref.hop_samples ?? NaN;
      expect(a.frames).toBe(frames.length);
      expect(a.frameS).toBeCloseTo(hop / SR, 9);
      const want = binAttention(frames, hop / SR);
      expect(a.framesPerBin).toBe(want.framesPerBin);
      const diff = Math.max(...a.weights.map((w, i) => Math.abs(w - want.weights[i])));
      console.log(`attention: ${a.frames} frames -> ${a.weights.length} points, max |page - python| = ${diff.toExponential(2)}`);
      expect(diff).toBeLessThan(TOLERANCE);
      r.probabilities.forEach((p, i) => expect(Math.abs(p - ref.probabilities[i])).toBeLessThan(TOLERANCE));

      const view = t.page.getByTestId('attention-view');
      await view.waitFor();
      await expect(view.getAttribute('data-utterance-id')).resolves.toBe(r.id);
      await expect(view.textContent()).resolves.toContain('not proof of what caused it');
      const plot = t.page.getByTestId('attention-play');
      await expect(plot.getAttribute('data-points')).resolves.toBe(String(a.weights.length));
      const label = (await plot.getAttribute('aria-label')) ?? '';
      expect(label).toMatch(/most weight \d+\.\d\d–\d+\.\d\d s into the utterance/);
      const peakStart = Number(await plot.getAttribute('data-peak-start'));
      const peakEnd = Number(await plot.getAttribute('data-peak-end'));
      expect(peakEnd).toBeGreaterThan(peakStart);
      expect(label).toContain(`Play from ${peakStart.toFixed(2)} s`);
      await expect(t.page.locator('.attention svg[role="img"]').getAttribute('aria-label')).resolves.toMatch(/^Attention: most weight/);

      await plot.click();
      await t.page.waitForFunction(() => (window as unknown as { __starts: number[] }).__starts.length === 1);
      expect((await starts(t.page))[0]).toBeCloseTo(peakStart, 6);
      await plot.focus();
      await t.page.keyboard.press('Enter');
      await t.page.waitForFunction(() => (window as unknown as { __starts: number[] }).__starts.length === 2);
      expect((await starts(t.page))[1]).toBeCloseTo(peakStart, 6);

      // A history row selects its utterance for the view.
      const where = t.page.locator('.history-item button.select');
      await where.click();
      await expect(where.getAttribute('aria-pressed')).resolves.toBe('true');
      await expect(view.textContent()).resolves.toContain('selected utterance');
      // "Show latest" follows the latest again; a timeline segment selects (and plays) its utterance.
      await t.page.getByRole('button', { name: 'Show latest' }).click();
      await expect(view.textContent()).resolves.toContain('latest utterance');
      await t.page.locator('.timeline .segment').click();
      await expect(view.textContent()).resolves.toContain('selected utterance');
      await t.page.waitForFunction(() => (window as unknown as { __starts: number[] }).__starts.length === 3);
      expect((await starts(t.page))[2]).toBe(0);

      mkdirSync(RESULTS_DIR, { recursive: true });
      await t.page.screenshot({ path: join(RESULTS_DIR, 'app-attention-1280.png'), fullPage: true });
      await t.page.setViewportSize({ width: 360, height: 800 });
      const box = await plot.boundingBox();
      expect(box!.width).toBeLessThanOrEqual(360);
      await t.finish('app-attention-360');
    } finally {
      await browser.close();
    }
  });

  test('a model without attention: the view is hidden', async () => {
    const browser = await launchBrowser({ webgpu: false });
    try {
      const t = await openPage(browser, appUrl(server, { model: TINY_MODEL, backend: 'wasm' }));
      expect((await waitForModel(t.page, 180_000)).load.error).toBeNull();
      const state = await analyseFiles(t.page, [ANGER], 240_000);
      expect(state.files[0].status).toBe('done');
      expect(state.results[state.files[0].utteranceIds[0]].attention).toBeUndefined();
      await t.page.locator('.current[data-utterance-id]').waitFor();
      await expect(t.page.getByTestId('attention-view').count()).resolves.toBe(0);
      await expect(t.page.locator('.history-item button.select').count()).resolves.toBe(0);
      await t.finish('app-attention-hidden');
    } finally {
      await browser.close();
    }
  });
});
