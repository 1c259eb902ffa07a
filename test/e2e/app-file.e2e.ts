/**
 * Dropping an EmoDB anger file: one utterance whose probabilities equal the Python
 * pipeline's for the same samples, on WebGPU (forced) and on the automatic choice when
 * WebGPU is unavailable (must be WASM).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { resolve } from 'node:path';
import { launchBrowser, openPage } from './browser';
import type { StaticServer } from './server';
import { APP_MODEL, EMODB, analyseFiles, appUrl, pythonReference, serveApp, waitForModel } from './app-helpers';

const ANGER = resolve(EMODB, '03a01Wa.wav');
const SR = 16000;

let server: StaticServer;
beforeAll(async () => {
  server = await serveApp();
});
afterAll(async () => {
  await server?.close();
});

async function dropAndCompare(browser: Browser, backend: 'webgpu' | 'auto', shot: string) {
  const t = await openPage(browser, appUrl(server, { model: APP_MODEL, backend }));
  const loaded = await waitForModel(t.page, 180_000);
  expect(loaded.load.error).toBeNull();
  const state = await analyseFiles(t.page, [ANGER], 240_000);
  const job = state.files[0];
  expect(job.status, job.message ?? '').toBe('done');
  expect(job.utteranceIds).toHaveLength(1);
  const r = state.results[job.utteranceIds[0]];
  const ref = pythonReference(APP_MODEL, ANGER, Math.round(r.startS * SR), Math.round(r.endS * SR));
  expect(r.labels).toEqual(ref.labels);
  const diffs = ref.probabilities.map((p, i) => Math.abs(r.probabilities[i] - p));
  console.log(`[${shot}] ${r.backend}: max |page - python| = ${Math.max(...diffs).toExponential(2)} over ${r.endS - r.startS} s`);
  for (const d of diffs) expect(d).toBeLessThan(0.02);
  // What the person sees: one timeline segment, bars with the same numbers.
  await expect(t.page.locator('.timeline .segment').count()).resolves.toBe(1);
  const shown = await t.page.locator('.current .bar').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-probability'))));
  expect(shown.map((p) => p.toFixed(4))).toEqual(r.probabilities.map((p) => p.toFixed(4)));
  const backendShown = await t.page.getByTestId('backend').getAttribute('data-backend');
  await t.finish(shot);
  return { r, backendShown, backend: state.backend };
}

describe('file drop', () => {
  test('WebGPU forced: probabilities match the Python pipeline within 0.02', async () => {
    const browser = await launchBrowser({ webgpu: true });
    try {
      const { backendShown, r } = await dropAndCompare(browser, 'webgpu', 'app-file-webgpu');
      expect(backendShown).toBe('webgpu');
      expect(r.backend).toBe('webgpu');
    } finally {
      await browser.close();
    }
  });

  test('WebGPU unavailable: automatic choice is WASM, same probabilities', async () => {
    const browser = await launchBrowser({ webgpu: false });
    try {
      const { backendShown, r, backend } = await dropAndCompare(browser, 'auto', 'app-file-wasm-auto');
      expect(backendShown).toBe('wasm');
      expect(r.backend).toBe('wasm');
      expect(backend?.forced).toBe(false);
    } finally {
      await browser.close();
    }
  });
});
