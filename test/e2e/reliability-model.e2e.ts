/**
 * Issue 9, model and worker faults: a broken manifest or model file gives a specific
 * error with a retry button that works once the fault is gone (no bad bytes kept in the
 * Cache API; a corrupt cache entry is discarded and fetched again); WebGPU missing or
 * lost mid-file and an inference-worker crash lose no utterance and tell the user.
 * Model files are served from a temp copy of the tiny fixture model, mutated per case.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { cpSync, readFileSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { launchBrowser, openPage, type TrackedPage } from './browser';
import { REPO, analyseFiles, appState, appUrl, serveApp, waitForModel } from './app-helpers';
import type { StaticServer } from './server';
import { SHARED_FIXTURES, fixtureDir } from './reliability-fixtures';
import { PROBE_SCRIPT, injectWorkerFault, waitForStore } from './reliability-probe';

const TINY_DIR = resolve(REPO, 'test/fixtures/models/tiny');
const THREE = join(SHARED_FIXTURES, 'three_utterances_16k.wav');

let wasmBrowser: Browser;
let server: StaticServer;
let faults: string;

/** A fresh copy of the tiny model under /faults/<name>/; returns its folder. */
function modelCopy(name: string): string {
  const dir = join(faults, name);
  cpSync(TINY_DIR, dir, { recursive: true });
  return dir;
}

const manifestUrl = (name: string) => `faults/${name}/manifest.json`;

/** Cache API entry for a model file of a case: its SHA-256, or null when absent. */
function cachedHash(t: TrackedPage, name: string, file: string): Promise<string | null> {
  return t.page.evaluate(
    async ({ name: n, file: f }) => {
      const c = await caches.open('emotion-models-v1');
      const hit = await c.match(new URL(`faults/${n}/${f}`, location.href).href);
      if (!hit) return null;
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await hit.arrayBuffer()));
      return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
    },
    { name, file },
  );
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

beforeAll(async () => {
  faults = fixtureDir('faults');
  server = await serveApp({ ...(process.env.E2E_DIST ? { root: process.env.E2E_DIST } : {}), mounts: { '/faults/': faults } });
  wasmBrowser = await launchBrowser({ webgpu: false });
});
afterAll(async () => {
  await wasmBrowser?.close();
  await server?.close();
  if (faults) rmSync(faults, { recursive: true, force: true });
});

describe('broken model files: specific error, retry works after the fault is removed', () => {
  // Each case: break the copy, expect the error, repair, press Retry, expect ready.
  const cases: { name: string; message: RegExp; breakIt(dir: string): void; file?: string }[] = [
    { name: 'manifest-404', message: /manifest not found \(HTTP 404\)/i, breakIt: (d) => unlinkSync(join(d, 'manifest.json')) },
    { name: 'manifest-not-json', message: /not valid JSON/i, breakIt: (d) => writeFileSync(join(d, 'manifest.json'), '{"name": "tiny", labels: [}') },
    {
      name: 'manifest-schema',
      message: /Invalid model manifest[\s\S]*labels/i,
      breakIt: (d) => {
        const m = JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8')) as Record<string, unknown>;
        m.labels = 'anger';
        writeFileSync(join(d, 'manifest.json'), JSON.stringify(m));
      },
    },
    { name: 'model-404', message: /Model file not found \(HTTP 404\).*upstream\.fp32\.onnx/i, breakIt: (d) => unlinkSync(join(d, 'upstream.fp32.onnx')), file: 'upstream.fp32.onnx' },
    {
      name: 'model-truncated',
      message: new RegExp(`upstream\\.fp32\\.onnx is truncated: received 9000 of ${statSync(join(TINY_DIR, 'upstream.fp32.onnx')).size} bytes`),
      breakIt: (d) => truncateSync(join(d, 'upstream.fp32.onnx'), 9000),
      file: 'upstream.fp32.onnx',
    },
    {
      name: 'model-sha256',
      message: /SHA-256 mismatch for .*head\.onnx/i,
      breakIt: (d) => {
        const b = readFileSync(join(d, 'head.onnx'));
        b[b.length - 1] ^= 0xff; // same size, different bytes
        writeFileSync(join(d, 'head.onnx'), b);
      },
      file: 'head.onnx',
    },
  ];

  for (const c of cases) {
    test(c.name, async () => {
      const dir = modelCopy(c.name);
      c.breakIt(dir);
      const t = await openPage(wasmBrowser, appUrl(server, { model: manifestUrl(c.name), backend: 'wasm' }), {
        allowErrors: [/Failed to load resource: the server responded with a status of 404/],
      });
      const failed = await waitForModel(t.page);
      expect(failed.load.phase).toBe('error');
      expect(failed.load.error).toMatch(c.message);
      const alert = t.page.getByRole('alert').filter({ hasText: 'The model could not be loaded' });
      await expect(alert.textContent()).resolves.toMatch(c.message);
      await expect(t.page.getByRole('button', { name: 'Listen' }).isDisabled()).resolves.toBe(true);
      // A bad download is never cached.
      if (c.file) expect(await cachedHash(t, c.name, c.file)).toBeNull();

      cpSync(TINY_DIR, dir, { recursive: true }); // fault removed
      await t.page.getByRole('button', { name: 'Retry loading the model' }).click();
      await waitForStore(t.page, (s) => s.load.phase === 'ready');
      if (c.file) expect(await cachedHash(t, c.name, c.file)).toBe(sha256(join(TINY_DIR, c.file)));
      await expect(t.page.getByRole('button', { name: 'Listen' }).isEnabled()).resolves.toBe(true);
      if (c.name === 'model-sha256') {
        const after = await analyseFiles(t.page, [THREE]);
        expect(after.files[0].status).toBe('done');
        expect(after.files[0].utteranceIds).toHaveLength(3);
      }
      await t.finish(`reliability-model-${c.name}`);
    });
  }
});

test('a corrupt Cache API entry is discarded and the file fetched again', async () => {
  modelCopy('cache');
  const t = await openPage(wasmBrowser, appUrl(server, { model: manifestUrl('cache'), backend: 'wasm' }));
  expect((await waitForModel(t.page)).load.phase).toBe('ready');
  const good = sha256(join(TINY_DIR, 'upstream.fp32.onnx'));
  expect(await cachedHash(t, 'cache', 'upstream.fp32.onnx')).toBe(good);
  await t.page.evaluate(async () => {
    const c = await caches.open('emotion-models-v1');
    await c.put(new URL('faults/cache/upstream.fp32.onnx', location.href).href, new Response(new Uint8Array(4096).fill(7)));
  });
  const fetchesBefore = server.requests.filter((p) => p === '/faults/cache/upstream.fp32.onnx').length;
  await t.page.reload();
  expect((await waitForModel(t.page)).load.phase).toBe('ready');
  expect(server.requests.filter((p) => p === '/faults/cache/upstream.fp32.onnx').length).toBe(fetchesBefore + 1);
  expect(await cachedHash(t, 'cache', 'upstream.fp32.onnx')).toBe(good);
  await t.finish('reliability-model-cache');
});

test('WebGPU forced where there is none: WASM, with the reason shown', async () => {
  const t = await openPage(wasmBrowser, appUrl(server, { model: 'fixtures/models/tiny/manifest.json', backend: 'webgpu' }));
  const s = await waitForModel(t.page);
  expect(s.load.phase).toBe('ready');
  expect(s.backend?.backend).toBe('wasm');
  expect(s.backend?.reason).toMatch(/no WebGPU adapter/i);
  await expect(t.page.getByTestId('backend').getAttribute('title')).resolves.toMatch(/no WebGPU adapter/i);
  const after = await analyseFiles(t.page, [THREE]);
  expect(after.files[0].utteranceIds).toHaveLength(3);
  await t.finish('reliability-no-webgpu');
});

test('inference worker crash mid-file: restarted, user told, no utterance lost', async () => {
  const t = await openPage(wasmBrowser, appUrl(server, { model: 'fixtures/models/tiny/manifest.json', backend: 'wasm' }), {
    initScript: PROBE_SCRIPT,
    allowErrors: [/simulated worker crash/],
  });
  expect((await waitForModel(t.page)).load.phase).toBe('ready');
  const ref = await analyseFiles(t.page, [THREE]);
  const refProbs = ref.files[0].utteranceIds.map((id) => ref.results[id].probabilities);

  await t.page.getByTestId('file-input').setInputFiles([THREE]);
  await injectWorkerFault(t.page, 'crash');
  await waitForStore(t.page, (s) => s.files.length === 2 && s.files[1].status === 'done');
  const s = await appState(t.page);
  expect(s.files[1].utteranceIds).toHaveLength(3);
  s.files[1].utteranceIds.forEach((id, i) => s.results[id].probabilities.forEach((p, k) => expect(p).toBeCloseTo(refProbs[i][k], 5)));
  expect(s.notices.map((n) => n.text).join('\n')).toMatch(/inference worker stopped and was restarted/);
  await expect(t.page.getByRole('status').filter({ hasText: 'restarted' }).count()).resolves.toBe(1);
  await t.finish('reliability-worker-crash');
});

test('WebGPU device lost during a file: continues on WASM, no utterance lost', async () => {
  const gpuBrowser = await launchBrowser();
  try {
    const t = await openPage(gpuBrowser, appUrl(server, { model: 'fixtures/models/tiny/manifest.json', backend: 'webgpu' }), {
      initScript: PROBE_SCRIPT,
    });
    const ready = await waitForModel(t.page);
    expect(ready.load.phase).toBe('ready');
    expect(ready.backend?.backend).toBe('webgpu');
    await t.page.getByTestId('file-input').setInputFiles([THREE]);
    await waitForStore(t.page, (s) => s.order.length >= 1);
    await injectWorkerFault(t.page, 'device-lost');
    await waitForStore(t.page, (s) => s.files[0].status === 'done');
    const s = await appState(t.page);
    const results = s.files[0].utteranceIds.map((id) => s.results[id]);
    expect(results).toHaveLength(3);
    expect(results[0].backend).toBe('webgpu');
    expect(results.some((r) => r.backend === 'wasm')).toBe(true);
    expect(s.backend?.backend).toBe('wasm');
    expect(s.notices.map((n) => n.text).join('\n')).toMatch(/Switched to WASM: WebGPU device lost/);
    await t.finish('reliability-device-lost');
  } finally {
    await gpuBrowser.close();
  }
});
