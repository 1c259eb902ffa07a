/**
 * Issue 17 items 1 and 7, in the real browser with Chromium's fake microphone: the
 * microphone stops when told, even while it is still starting.
 * (a) app: Listen, then Stop while "Starting microphone…"; (b) embed: `el.recognizer.start();
 * el.remove()`; (c) JS API: `r.start(); r.dispose()`. Each must leave no live
 * MediaStreamTrack 1 s after the late getUserMedia answered, and no VAD worker running.
 * Item 7: changing the element's `model` mid-analysis cancels the old analyse() cleanly.
 * An init script keeps every track getUserMedia returned, and can delay its answer (as a
 * permission prompt or a slow device does) so the stop lands while it is pending.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EMODB, TINY_MODEL, appState, appUrl, serveApp, waitForModel } from './app-helpers';
import { launchBrowser, openPage } from './browser';
import { SHARED_FIXTURES } from './reliability-fixtures';
import type { StaticServer } from './server';

/** Tracks and workers the page created; `__gumDelayMs` delays getUserMedia's answer. */
const LIFECYCLE_PROBE = `(() => {
  const probe = { tracks: [], gumCalls: 0, gumAnswered: 0, workers: [] };
  Object.defineProperty(window, '__life', { value: probe });
  const md = navigator.mediaDevices;
  const gum = md.getUserMedia.bind(md);
  md.getUserMedia = async (c) => {
    probe.gumCalls++;
    const s = await gum(c);
    for (const t of s.getTracks()) probe.tracks.push(t);
    const delay = window.__gumDelayMs || 0;
    if (delay) await new Promise((r) => setTimeout(r, delay));
    probe.gumAnswered++;
    return s;
  };
  const W = window.Worker;
  window.Worker = class extends W {
    constructor(url, opts) {
      super(url, opts);
      const rec = { name: (opts && opts.name) || '', terminated: false };
      probe.workers.push(rec);
      const terminate = this.terminate.bind(this);
      this.terminate = () => { rec.terminated = true; terminate(); };
    }
  };
})();`;

interface LifeProbe {
  live: number;
  tracks: number;
  gumCalls: number;
  gumAnswered: number;
  vadWorkers: number;
  vadRunning: number;
}

function probe(page: Page): Promise<LifeProbe> {
  return page.evaluate(() => {
    const p = (window as unknown as { __life: { tracks: MediaStreamTrack[]; gumCalls: number; gumAnswered: number; workers: { name: string; terminated: boolean }[] } }).__life;
    const vad = p.workers.filter((w) => w.name === 'vad');
    return {
      live: p.tracks.filter((t) => t.readyState === 'live').length,
      tracks: p.tracks.length,
      gumCalls: p.gumCalls,
      gumAnswered: p.gumAnswered,
      vadWorkers: vad.length,
      vadRunning: vad.filter((w) => !w.terminated).length,
    };
  });
}

async function until(page: Page, what: (p: LifeProbe) => boolean, timeout = 60_000): Promise<LifeProbe> {
  const end = Date.now() + timeout;
  for (;;) {
    const p = await probe(page);
    if (what(p)) return p;
    if (Date.now() > end) throw new Error(`timed out waiting: ${what.toString()} (last ${JSON.stringify(p)})`);
    await page.waitForTimeout(50);
  }
}

/** A plain same-origin host page that loads the embed bundle as a module. */
const HOST_HTML = `<!doctype html><html><head><meta charset="utf-8"><title>lifecycle host</title><link rel="icon" href="data:,"></head><body>
<script type="module">
  import * as api from '/emotion-recognizer.js';
  window.api = api;
</script></body></html>`;

/** Segmenter.release() terminates its worker 1 s after asking it to close (a backstop). */
const VAD_BACKSTOP_MS = 1100;

let server: StaticServer;
let browser: Browser;
let hostDir: string;

beforeAll(async () => {
  hostDir = mkdtempSync(join(tmpdir(), 'lifecycle-host-'));
  writeFileSync(join(hostDir, 'index.html'), HOST_HTML);
  server = await serveApp({ mounts: { '/host/': hostDir }, ...(process.env.E2E_DIST ? { root: process.env.E2E_DIST } : {}) });
  browser = await launchBrowser({ webgpu: false, fakeMicWav: join(SHARED_FIXTURES, 'three_utterances_48k.wav') });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (hostDir) rmSync(hostDir, { recursive: true, force: true });
});

test('(a) app: Stop while "Starting microphone…" ends stopped; the late track is stopped, the VAD worker ended', async () => {
  const t = await openPage(browser, appUrl(server, { model: TINY_MODEL, backend: 'wasm' }), { initScript: LIFECYCLE_PROBE });
  expect((await waitForModel(t.page)).load.phase).toBe('ready');
  await t.page.evaluate(() => void ((window as unknown as { __gumDelayMs: number }).__gumDelayMs = 1500));
  await t.page.getByRole('button', { name: 'Listen' }).click();
  await until(t.page, (p) => p.gumCalls === 1); // the VAD loaded; the microphone is being opened
  await expect(t.page.locator('.live-state').textContent()).resolves.toBe('Starting microphone…');
  await t.page.getByRole('button', { name: 'Stop' }).click();
  expect((await appState(t.page)).live.mic).toBe('off');
  await until(t.page, (p) => p.gumAnswered === 1);
  await t.page.waitForTimeout(1000);
  const p = await probe(t.page);
  expect(p.tracks).toBe(1);
  expect(p.live).toBe(0);
  await t.page.waitForTimeout(VAD_BACKSTOP_MS);
  Object.assign(p, await probe(t.page));
  expect(p.vadWorkers).toBe(1);
  expect(p.vadRunning).toBe(0); // created by the cancelled start, so released with it
  expect((await appState(t.page)).live.mic).toBe('off');
  await expect(t.page.getByRole('button', { name: 'Listen' }).isEnabled()).resolves.toBe(true);
  // The page still works: listening now gives a live track, and Stop ends it.
  await t.page.evaluate(() => void ((window as unknown as { __gumDelayMs: number }).__gumDelayMs = 0));
  await t.page.getByRole('button', { name: 'Listen' }).click();
  await until(t.page, (p2) => p2.live === 1);
  await t.page.getByRole('button', { name: 'Stop' }).click();
  await t.page.waitForTimeout(1000);
  expect((await probe(t.page)).live).toBe(0);
  await t.finish('lifecycle-app-stop-while-starting');
});

/**
 * After a stop/remove/dispose: 1 s later no microphone track is live (and getUserMedia has
 * answered every call), and the one VAD worker the cancelled start created has ended.
 */
async function expectReleased(page: Page, before: LifeProbe, label: string): Promise<void> {
  await page.waitForTimeout(1000);
  const p = await probe(page);
  expect(p.gumAnswered, label).toBe(p.gumCalls);
  expect(p.live, label).toBe(0);
  await page.waitForTimeout(VAD_BACKSTOP_MS);
  const later = await probe(page);
  expect(later.vadWorkers, label).toBe(before.vadWorkers + 1);
  expect(later.vadRunning, label).toBe(0);
}

/** A same-origin host page with the embed bundle loaded (`window.api`). */
async function hostPage(): Promise<Awaited<ReturnType<typeof openPage>>> {
  const t = await openPage(browser, `${server.url}/host/`, { initScript: LIFECYCLE_PROBE });
  await t.page.waitForFunction(() => 'api' in window);
  return t;
}

test('(b) embed: el.recognizer.start(); el.remove() leaves no live track and no VAD worker', async () => {
  const t = await hostPage();
  const model = `${server.url}/${TINY_MODEL}`;
  for (const gumDelayMs of [0, 1500]) {
    const before = await probe(t.page);
    await t.page.evaluate(
      async ({ model, gumDelayMs }) => {
        (window as unknown as { __gumDelayMs: number }).__gumDelayMs = gumDelayMs;
        const el = document.createElement('emotion-recognizer') as HTMLElement & { ready: Promise<{ start(): Promise<void> }> };
        el.setAttribute('model', model);
        el.setAttribute('backend', 'wasm');
        document.body.append(el);
        const r = await el.ready;
        const started = r.start().catch(() => undefined);
        if (gumDelayMs) {
          // Wait until the microphone is being opened, then remove the element.
          const life = (window as unknown as { __life: { gumCalls: number } }).__life;
          const calls = life.gumCalls;
          while (life.gumCalls === calls) await new Promise((ok) => setTimeout(ok, 20));
        }
        el.remove();
        await started; // the cancelled start settled: what it created arrived and was released
      },
      { model, gumDelayMs },
    );
    await expectReleased(t.page, before, `delay ${gumDelayMs}`);
  }
  await t.finish('lifecycle-embed-remove');
});

test('(c) JS API: r.start(); r.dispose() leaves no live track and no VAD worker', async () => {
  const t = await hostPage();
  const model = `${server.url}/${TINY_MODEL}`;
  for (const gumDelayMs of [0, 1500]) {
    const before = await probe(t.page);
    const startResult = await t.page.evaluate(
      async ({ model, gumDelayMs }) => {
        (window as unknown as { __gumDelayMs: number }).__gumDelayMs = gumDelayMs;
        const { createRecognizer } = (window as unknown as { api: typeof import('../../src/embed/index') }).api;
        const r = await createRecognizer({ modelUrl: model, backend: 'wasm' });
        const started = r.start().then(
          () => 'resolved',
          (e: Error) => `rejected: ${e.message}`,
        );
        if (gumDelayMs) {
          const life = (window as unknown as { __life: { gumCalls: number } }).__life;
          const calls = life.gumCalls;
          while (life.gumCalls === calls) await new Promise((ok) => setTimeout(ok, 20));
        }
        r.dispose();
        return started;
      },
      { model, gumDelayMs },
    );
    expect(startResult).toBe('resolved'); // a cancelled start settles, after releasing what it made
    await expectReleased(t.page, before, `delay ${gumDelayMs}`);
  }
  await t.finish('lifecycle-api-dispose');
});

test('(7) embed: changing `model` mid-analysis cancels the old analyse() cleanly; no events from the old session', async () => {
  const t = await hostPage();
  const model = `${server.url}/${TINY_MODEL}`;
  const wav = resolve(EMODB, '03a01Wa.wav');
  await t.page.evaluate(
    async ({ model }) => {
      const el = document.createElement('emotion-recognizer') as HTMLElement & { ready: Promise<unknown> };
      el.id = 'ser';
      el.setAttribute('model', model);
      el.setAttribute('backend', 'wasm');
      const events: string[] = [];
      (window as unknown as { events: string[] }).events = events;
      for (const type of ['utterance-start', 'utterance', 'error', 'backend']) el.addEventListener(type, (e) => events.push(`${type}:${JSON.stringify((e as CustomEvent).detail)}`));
      document.body.append(el);
      await el.ready;
    },
    { model },
  );
  const bytes = [...(await import('node:fs')).readFileSync(wav)];
  const outcome = await t.page.evaluate(
    async ({ bytes, model }) => {
      const el = document.getElementById('ser') as HTMLElement & { recognizer: { analyse(b: Blob, n?: string): Promise<unknown[]> }; ready: Promise<{ analyse(b: Blob, n?: string): Promise<unknown[]> }> };
      const events = (window as unknown as { events: string[] }).events;
      const file = new Blob([new Uint8Array(bytes)], { type: 'audio/wav' });
      const old = el.recognizer.analyse(file, 'a.wav').then(
        (r) => `resolved ${r.length}`,
        (e: Error & { code?: string }) => `rejected ${e.code}: ${e.message}`,
      );
      // Switch while the file is being decoded/segmented.
      await new Promise((ok) => setTimeout(ok, 50));
      const before = events.length;
      el.setAttribute('model', `${model}?v=2`);
      const result = await old;
      const fresh = await el.ready;
      const again = await fresh.analyse(file, 'b.wav');
      await new Promise((ok) => setTimeout(ok, 500));
      return { result, after: events.slice(before), utterances: again.length };
    },
    { bytes, model },
  );
  // Either the old analysis had already finished, or it was cancelled with a clear reason.
  expect(outcome.result).toMatch(/^(resolved \d+|rejected file: a\.wav: cancelled: model changed)$/);
  expect(outcome.result).toMatch(/cancelled: model changed/); // 50 ms is well inside the analysis
  // After the switch: only the new session's events (its backend, its file), never an error.
  expect(outcome.after.filter((e) => e.startsWith('error:'))).toEqual([]);
  expect(outcome.after.filter((e) => e.startsWith('utterance:') && e.includes('"a.wav"'))).toEqual([]);
  expect(outcome.utterances).toBeGreaterThan(0);
  await t.finish('lifecycle-embed-model-switch'); // fails on any page error, e.g. an unhandled rejection
});
