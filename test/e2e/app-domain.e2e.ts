/**
 * Session domain normalisation in the real browser, with the tiny-domain fixture model (random
 * upstream, NOT an emotion model): a dropped file with two utterances gives, for each, the
 * probabilities of `python -m training.predict --segments` (running statistics: utterance k
 * uses the prior plus utterances 1..k); the app shows "Adapting to this voice: 2 utterances";
 * Reset (from the keyboard) brings it to 0 and the next result equals the first-utterance
 * reference again. The embed's JS API does the same through resetAdaptation().
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launchBrowser, openPage } from './browser';
import type { StaticServer } from './server';
import { FIXTURES, REPO, analyseFiles, appUrl, modelDir, serveApp, waitForModel } from './app-helpers';
import type { UtteranceResult } from '../../src/results/types';

const MODEL = 'fixtures/models/tiny-domain/manifest.json';
const SR = 16000;
const PYTHON = resolve(REPO, '.venv/bin/python');
/** Largest |page - python| allowed (same fp32 graphs; WASM vs native CPU kernels). */
const TOLERANCE = 1e-4;

interface SegmentsReference {
  labels: string[];
  segments: { start: number; end: number; probabilities: number[]; adapted_on: number }[];
}

/** training/predict.py --segments for the sample ranges of `results`, in their order. */
function pythonSegments(wav: string, results: readonly { startS: number; endS: number }[]): SegmentsReference {
  const segments = results.map((r) => `${Math.round(r.startS * SR)}:${Math.round(r.endS * SR)}`).join(',');
  const out = execFileSync(PYTHON, ['-m', 'training.predict', '--model', modelDir(MODEL), '--wav', wav, '--segments', segments], { cwd: REPO, encoding: 'utf8' });
  return JSON.parse(out) as SegmentsReference;
}

function maxDiff(got: readonly number[], want: readonly number[]): number {
  expect(got).toHaveLength(want.length);
  return Math.max(...got.map((p, i) => Math.abs(p - want[i])));
}

let dir: string;
let two: string;
let server: StaticServer;
beforeAll(async () => {
  // The first two utterances of the shared three-utterance fixture (1-3 s and 4.5-6.5 s).
  dir = mkdtempSync(join(tmpdir(), 'ser-domain-'));
  two = join(dir, 'two_utterances_16k.wav');
  execFileSync(PYTHON, [
    '-c',
    'import sys, soundfile as sf; x, sr = sf.read(sys.argv[1], dtype="int16"); sf.write(sys.argv[2], x[: int(7.25 * sr)], sr, subtype="PCM_16")',
    resolve(FIXTURES, 'three_utterances_16k.wav'),
    two,
  ]);
  writeFileSync(join(dir, 'blank.html'), '<!doctype html><title>host</title><link rel="icon" href="data:,">');
  server = await serveApp({ mounts: { '/audio/': dir } });
});
afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function dropAndCheck(browser: Browser, backend: 'wasm' | 'webgpu', shot: string, reset: boolean) {
  const t = await openPage(browser, appUrl(server, { model: MODEL, backend }));
  const loaded = await waitForModel(t.page, 180_000);
  expect(loaded.load.error).toBeNull();
  const status = t.page.getByTestId('adaptation');
  await expect(status.textContent()).resolves.toBe('Adapting to this voice: 0 utterances');
  await expect(status.getAttribute('aria-live')).resolves.toBe('polite');

  const state = await analyseFiles(t.page, [two], 240_000);
  const job = state.files[0];
  expect(job.status, job.message ?? '').toBe('done');
  expect(job.utteranceIds).toHaveLength(2);
  const results: UtteranceResult[] = job.utteranceIds.map((id) => state.results[id]);
  expect(results.map((r) => r.backend)).toEqual([backend, backend]);
  expect(results.map((r) => r.adaptedOn)).toEqual([1, 2]);
  const ref = pythonSegments(two, results);
  expect(ref.segments.map((s) => s.adapted_on)).toEqual([1, 2]);
  const diffs = results.map((r, k) => maxDiff(r.probabilities, ref.segments[k].probabilities));
  console.log(`[${shot}] ${backend}: max |page - python --segments| = ${diffs.map((d) => d.toExponential(2)).join(', ')}`);
  for (const d of diffs) expect(d).toBeLessThan(TOLERANCE);
  await expect(status.textContent()).resolves.toBe('Adapting to this voice: 2 utterances');

  if (reset) {
    // From the keyboard: focus the button, Enter presses it.
    const button = t.page.getByRole('button', { name: 'Reset' });
    await button.focus();
    await t.page.keyboard.press('Enter');
    await expect(status.textContent()).resolves.toBe('Adapting to this voice: 0 utterances');
    const again = await analyseFiles(t.page, [two], 240_000);
    const next = again.files[1];
    expect(next.status, next.message ?? '').toBe('done');
    const after = next.utteranceIds.map((id) => again.results[id]);
    expect(after.map((r) => r.adaptedOn)).toEqual([1, 2]);
    // The first utterance after Reset is normalised as the very first one was.
    expect(maxDiff(after[0].probabilities, ref.segments[0].probabilities)).toBeLessThan(TOLERANCE);
    expect(maxDiff(after[1].probabilities, ref.segments[1].probabilities)).toBeLessThan(TOLERANCE);
    await expect(status.textContent()).resolves.toBe('Adapting to this voice: 2 utterances');
  }
  await t.finish(shot);
  return ref;
}

describe('session domain normalisation', () => {
  test('app (WASM): two utterances match predict --segments; the count shows 2; Reset -> 0 and the next result is the first-utterance reference', async () => {
    const browser = await launchBrowser({ webgpu: false });
    try {
      await dropAndCheck(browser, 'wasm', 'app-domain-wasm', true);
    } finally {
      await browser.close();
    }
  });

  test('app (WebGPU forced): the same probabilities (hidden states come back to the CPU for the statistics)', async () => {
    const browser = await launchBrowser({ webgpu: true });
    try {
      await dropAndCheck(browser, 'webgpu', 'app-domain-webgpu', false);
    } finally {
      await browser.close();
    }
  });

  test('embed JS API: adaptedOn on each utterance, adaptation getter, resetAdaptation()', async () => {
    const browser = await launchBrowser({ webgpu: false });
    try {
      const t = await openPage(browser, `${server.url}/audio/blank.html`);
      const out = await t.page.evaluate(
        async ({ model, audio }) => {
          // Through Function: the test runner would rewrite a literal import().
          const load = new Function('u', 'return import(u)') as (u: string) => Promise<typeof import('../../src/embed/index')>;
          const mod = await load(new URL('/emotion-recognizer.js', location.href).href);
          const r = await mod.createRecognizer({ modelUrl: model, backend: 'wasm' });
          const blob = await (await fetch(audio)).blob();
          const before = r.adaptation;
          const first = await r.analyse(blob, 'two.wav');
          const adapted = r.adaptation;
          r.resetAdaptation();
          const afterReset = r.adaptation;
          const second = await r.analyse(blob, 'two.wav');
          r.dispose();
          const pick = (us: typeof first) => us.map((u) => ({ adaptedOn: u.adaptedOn, probabilities: u.probabilities, startS: u.startS, endS: u.endS }));
          return { before, adapted, afterReset, first: pick(first), second: pick(second) };
        },
        { model: new URL(MODEL, `${server.url}/`).href, audio: `${server.url}/audio/two_utterances_16k.wav` },
      );
      expect(out.before).toEqual({ utterances: 0 });
      expect(out.adapted).toEqual({ utterances: 2 });
      expect(out.afterReset).toEqual({ utterances: 0 });
      expect(out.first.map((u) => u.adaptedOn)).toEqual([1, 2]);
      expect(out.second.map((u) => u.adaptedOn)).toEqual([1, 2]);
      const ref = pythonSegments(two, out.first);
      out.first.forEach((u, k) => expect(maxDiff(u.probabilities, ref.segments[k].probabilities)).toBeLessThan(TOLERANCE));
      out.second.forEach((u, k) => expect(maxDiff(u.probabilities, out.first[k].probabilities)).toBeLessThan(1e-6));
      await t.finish('app-domain-embed-api');
    } finally {
      await browser.close();
    }
  });
});
