/**
 * Offline use and installation (issue 16): the app page's service worker and web app manifest.
 * - After one online visit, the browser context goes offline (and the test server must see no
 *   request): the page opens, the default model loads from the model cache, a dropped file and
 *   the fake microphone give results, with the same backend and cross-origin isolation as online.
 * - Chromium reports the page installable; the manifest and icons are valid; ?model= survives.
 * - A second deployment on the same origin shows "A new version is ready"; the page keeps the
 *   old files until Reload, then runs the new ones; the unchanged model is not downloaded again.
 * - The embed (element, JS API, iframe) registers no service worker.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromium, type Page } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CHROMIUM, RESULTS_DIR, launchBrowser, openPage } from './browser';
import { APP_MODEL, EMODB, FIXTURES, REPO, TINY_MODEL, analyseFiles, appState, appUrl, serveApp, waitForModel } from './app-helpers';
import { startStaticServer } from './server';

const ANGER = resolve(EMODB, '03a01Wa.wav');

/** Waits until this page's origin has an activated service worker; returns its script URL. */
function serviceWorkerActivated(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    const sw = reg.active!;
    if (sw.state !== 'activated') await new Promise<void>((ok) => sw.addEventListener('statechange', () => sw.state === 'activated' && ok()));
    return sw.scriptURL;
  });
}

/** Waits for the page to run deployment B; on timeout the error says what the service workers were doing. */
async function runsBuildB(page: Page): Promise<void> {
  try {
    await page.waitForFunction(() => document.documentElement.dataset.build === 'B', null, { timeout: 60_000, polling: 250 });
  } catch (e) {
    const state = await page
      .evaluate(async () => {
        const reg = await navigator.serviceWorker.getRegistration();
        const sw = (w: ServiceWorker | null | undefined) => (w ? `${w.state}` : 'none');
        return `visibility ${document.visibilityState}, controller ${navigator.serviceWorker.controller ? 'yes' : 'no'}, installing ${sw(reg?.installing)}, waiting ${sw(reg?.waiting)}, active ${sw(reg?.active)}, build ${document.documentElement.dataset.build ?? 'A'}`;
      })
      .catch((err: unknown) => `state unreadable: ${String(err)}`);
    throw new Error(`page never ran build B (${state}): ${String(e)}`);
  }
}

/** Service worker registrations visible to a page or frame. */
function registrations(frame: Pick<Page, 'evaluate'>): Promise<string[]> {
  return frame.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).map((r) => r.scope));
}

function micResults(page: Page, n: number, timeout = 90_000): Promise<unknown> {
  return page.waitForFunction(
    (want) => {
      const h = (window as unknown as { __ser: { store: { getState(): { order: string[]; results: Record<string, { source: string }> } } } }).__ser;
      const s = h.store.getState();
      return s.order.filter((id) => s.results[id].source === 'mic').length >= want;
    },
    n,
    { timeout },
  );
}

describe('offline after the first visit', () => {
  test('reload offline: page, default model, dropped file and microphone work as online', async () => {
    const server = await serveApp();
    const browser = await launchBrowser({ fakeMicWav: `${resolve(FIXTURES, 'three_utterances_48k.wav')}%noloop` });
    try {
      const t = await openPage(browser, appUrl(server, { model: APP_MODEL }), {
        // Offline, the manifest request fails before the model loader falls back to its cache.
        allowErrors: [/ERR_INTERNET_DISCONNECTED/],
      });
      const online = await waitForModel(t.page, 240_000);
      expect(online.load.error).toBeNull();
      const onlineFile = await analyseFiles(t.page, [ANGER]);
      const onlineResult = onlineFile.results[onlineFile.files[0].utteranceIds[0]];
      const onlineIsolated = await t.page.evaluate(() => crossOriginIsolated);
      expect(onlineIsolated).toBe(true);
      expect(await serviceWorkerActivated(t.page)).toBe(`${server.url}/sw.js`);

      // The model card page, opened once online, is kept (the card beside the model's files).
      const cardUrl = `${server.url}/model-card.html?${new URLSearchParams({ model: APP_MODEL })}`;
      const cardText = async (): Promise<string> => {
        const card = await t.context.newPage();
        await card.goto(cardUrl);
        await card.waitForFunction(() => document.getElementById('card')?.getAttribute('aria-busy') === 'false');
        const text = (await card.locator('#card').textContent()) ?? '';
        await card.close();
        return text;
      };
      const cardOnline = await cardText();
      expect(cardOnline).not.toContain('could not be shown');
      expect(cardOnline.length).toBeGreaterThan(1000);

      await t.context.setOffline(true);
      const seenOnline = server.requests.length;
      expect(await cardText()).toBe(cardOnline);
      await t.page.reload();
      expect(await t.page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toBe(`${server.url}/sw.js`);
      const offline = await waitForModel(t.page, 240_000);
      expect(offline.load.error).toBeNull();
      expect(await t.page.evaluate(() => crossOriginIsolated)).toBe(true);
      expect(offline.backend).toEqual(online.backend);
      expect(await t.page.getByTestId('backend').getAttribute('data-backend')).toBe(online.backend?.backend);

      const file = await analyseFiles(t.page, [ANGER]);
      expect(file.files[0].status, file.files[0].message ?? '').toBe('done');
      expect(file.files[0].utteranceIds).toHaveLength(1);
      const r = file.results[file.files[0].utteranceIds[0]];
      expect(r.labels).toEqual(onlineResult.labels);
      // Same model bytes, same backend, first utterance of a session both times: same numbers.
      r.probabilities.forEach((p, i) => expect(Math.abs(p - onlineResult.probabilities[i])).toBeLessThan(1e-5));
      console.log(`[pwa offline] ${r.backend}/${offline.backend?.variant}: ${r.labels[r.probabilities.indexOf(Math.max(...r.probabilities))]} (online and offline agree)`);

      await t.page.getByRole('button', { name: 'Listen' }).click();
      await micResults(t.page, 3);
      await t.page.waitForTimeout(1500); // a fourth (spurious) result would show up here
      await t.page.getByRole('button', { name: 'Stop' }).click();
      const s = await appState(t.page);
      const mic = s.order.map((id) => s.results[id]).filter((x) => x.source === 'mic');
      expect(mic).toHaveLength(3);
      for (const m of mic) expect(m.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);

      // One cache story: the precache holds the app and runtime files, the model cache the model
      // (only the variant the page loads); no file is in both.
      const stored = await t.page.evaluate(async () => {
        const out: Record<string, string[]> = {};
        for (const name of await caches.keys()) out[name] = (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname);
        return out;
      });
      const precache = Object.entries(stored).filter(([name]) => name.startsWith('workbox-precache')).flatMap(([, paths]) => paths);
      const models = stored['emotion-models-v1'] ?? [];
      console.log(`[pwa offline] precache: ${precache.length} files; model cache: ${models.join(', ')}`);
      expect(precache).toEqual(expect.arrayContaining(['/index.html', '/vendor/ort/ort-wasm-simd-threaded.asyncify.wasm', '/vendor/ort/ort-wasm-simd-threaded.asyncify.mjs', '/vendor/vad/silero_vad_v5.onnx']));
      // models/index.json is the list of models (the picker), not a model file.
      expect(precache.filter((p) => (p.startsWith('/models/') && p !== '/models/index.json') || (p.startsWith('/vendor/ort/') && !p.includes('.asyncify.')))).toEqual([]);
      expect(models).toEqual(expect.arrayContaining(['/models/default/manifest.json', '/models/default/head.onnx', '/models/default/upstream.q8.onnx']));
      expect(models).not.toContain('/models/default/upstream.fp32.onnx');
      expect(models.filter((p) => precache.includes(p))).toEqual([]);

      // Nothing reached the server once offline: everything came from the browser's caches. The
      // one exception is the browser's own update check of sw.js on navigation, made by the
      // browser process, which Playwright's offline emulation does not cover (really offline,
      // it fails and the installed version stays).
      expect(server.requests.slice(seenOnline).filter((p) => p !== '/sw.js')).toEqual([]);
      await t.finish('pwa-offline');
    } finally {
      await browser.close();
      await server.close();
    }
  });
});

describe('installable app', () => {
  test('Chromium reports no installability errors; manifest, icons and ?model= start URL', async () => {
    const server = await serveApp();
    // A persistent profile: in Playwright's default (incognito-like) contexts Chromium would
    // only ever answer "in-incognito".
    const profile = mkdtempSync(join(tmpdir(), 'ser-pwa-profile-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless=new', '--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-features=WebGPU', '--disable-gpu'],
    });
    try {
      await context.addInitScript('Object.defineProperty(window, "__serTestHooks", { value: true });');
      const page = context.pages()[0] ?? (await context.newPage());
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(appUrl(server, { model: TINY_MODEL, backend: 'wasm' }));
      await waitForModel(page);
      await serviceWorkerActivated(page);
      await page.reload(); // now controlled by the service worker
      await waitForModel(page);
      const cdp = await context.newCDPSession(page);
      const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: { errorId: string }[] };
      expect(installabilityErrors).toEqual([]);
      const app = (await cdp.send('Page.getAppManifest')) as { url: string; errors: { message: string }[]; data?: string };
      expect(app.errors).toEqual([]);
      expect(app.url).toBe(`${server.url}/manifest.webmanifest?model=${encodeURIComponent(TINY_MODEL)}`);
      const manifest = JSON.parse(app.data ?? '{}') as { name: string; display: string; start_url: string; theme_color: string; icons: { src: string; sizes: string; purpose: string }[] };
      expect(manifest.name).toBe('Speech Emotion Recognizer');
      expect(manifest.display).toBe('standalone');
      expect(manifest.theme_color).toMatch(/^#[0-9a-f]{6}$/);
      // Installed from ?model=X, the app starts with model X.
      expect(new URL(manifest.start_url, app.url).href).toBe(appUrl(server, { model: TINY_MODEL }));
      // Each icon is a PNG of the size it claims; 192, 512 and a maskable one exist.
      const icons = await page.evaluate(async (list) => {
        return Promise.all(
          list.map(async (icon) => {
            const bitmap = await createImageBitmap(await (await fetch(icon.src)).blob());
            return { ...icon, actual: `${bitmap.width}x${bitmap.height}` };
          }),
        );
      }, manifest.icons);
      for (const icon of icons) expect(icon.actual).toBe(icon.sizes);
      expect(icons.map((i) => `${i.sizes} ${i.purpose}`).sort()).toEqual(['192x192 any', '512x512 any', '512x512 maskable']);
      // Opened without ?model=, the plain manifest starts at the app's root.
      expect(await page.evaluate(async () => (await (await fetch('manifest.webmanifest')).json()).start_url)).toBe('./');
      mkdirSync(RESULTS_DIR, { recursive: true });
      await page.screenshot({ path: join(RESULTS_DIR, 'pwa-installable.png') });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
      await server.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});

describe('a new deployment', () => {
  let buildB: string;
  beforeAll(() => {
    // dist/ (built by the E2E setup) is deployment A; B is the same app with one changed file.
    buildB = mkdtempSync(join(tmpdir(), 'ser-pwa-b-'));
    execFileSync('npx', ['vite', 'build', '--config', 'test/e2e/pwa-update.config.ts', '--outDir', buildB, '--emptyOutDir', '--logLevel', 'warn'], {
      cwd: REPO,
      stdio: 'inherit',
      env: { ...process.env, NODE_ENV: 'production' },
    });
  });
  afterAll(() => rmSync(buildB, { recursive: true, force: true }));

  test('shows "A new version is ready", keeps the old files until Reload, keeps the model cache', async () => {
    const a = await serveApp();
    const port = Number(new URL(a.url).port);
    const browser = await launchBrowser({ webgpu: false });
    let b: Awaited<ReturnType<typeof serveApp>> | undefined;
    try {
      const t = await openPage(browser, appUrl(a, { model: TINY_MODEL, backend: 'wasm' }));
      expect((await waitForModel(t.page)).load.error).toBeNull();
      await serviceWorkerActivated(t.page);
      const scriptOf = (html: string) => /<script type="module" crossorigin src="\.\/(assets\/index-[^"]+\.js)"/.exec(html)?.[1];
      const scriptA = scriptOf(readFileSync(resolve(REPO, 'dist/index.html'), 'utf8'));
      const scriptB = scriptOf(readFileSync(join(buildB, 'index.html'), 'utf8'));
      expect(scriptA).toBeDefined();
      expect(scriptB).toBeDefined();
      expect(scriptB).not.toBe(scriptA);

      // Deployment B replaces A on the same origin.
      await a.close();
      b = await serveApp({ root: buildB, port });
      await t.page.reload();
      const notice = t.page.getByTestId('update-notice');
      await notice.waitFor({ timeout: 60_000 });
      await expect(notice.textContent()).resolves.toContain('A new version is ready');
      mkdirSync(RESULTS_DIR, { recursive: true });
      await t.page.screenshot({ path: join(RESULTS_DIR, 'pwa-update-notice.png') });
      // Until the person reloads, the page runs A's files only.
      const pageScripts = () => t.page.evaluate(() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname).filter((p) => /\/assets\/index-/.test(p)));
      expect(await pageScripts()).toEqual([`/${scriptA}`]);
      expect(await t.page.evaluate(() => document.documentElement.dataset.build ?? 'A')).toBe('A');
      expect((await waitForModel(t.page)).load.error).toBeNull();

      // A second tab opened now still gets A (the new version waits) and offers the reload too.
      const tab2 = await t.context.newPage();
      const tab2Errors: string[] = [];
      tab2.on('pageerror', (e) => tab2Errors.push(e.message));
      await tab2.goto(appUrl(b, { model: TINY_MODEL, backend: 'wasm' }));
      await tab2.getByTestId('update-notice').waitFor({ timeout: 60_000 });
      expect(await tab2.evaluate(() => document.documentElement.dataset.build ?? 'A')).toBe('A');
      // Let the second tab finish loading: Chromium activates the new worker only once the old
      // one has no requests in flight, and the switch below should not hang on a model download.
      expect((await waitForModel(tab2)).load.error).toBeNull();

      const modelRequestsBefore = b.requests.filter((p) => p.startsWith('/fixtures/models/tiny/') && !p.endsWith('manifest.json')).length;
      // Depending on the headless mode the first tab may be in the background once the second
      // opened: bring it to the front, and poll by time (a background tab runs no animation frames).
      await t.page.bringToFront();
      await t.page.getByRole('button', { name: 'Reload' }).click();
      await runsBuildB(t.page);
      expect(await pageScripts()).toEqual([`/${scriptB}`]);
      // The other tab keeps running A until its own Reload, which then switches it to B.
      expect(await tab2.evaluate(() => document.documentElement.dataset.build ?? 'A')).toBe('A');
      await tab2.bringToFront();
      await tab2.getByRole('button', { name: 'Reload' }).click();
      await runsBuildB(tab2);
      expect(tab2Errors).toEqual([]);
      await tab2.close();
      expect(await t.page.getByTestId('update-notice').count()).toBe(0);
      expect((await waitForModel(t.page)).load.error).toBeNull();
      // The model did not change: B loads it from the model cache, its files are not downloaded again.
      expect(b.requests.filter((p) => p.startsWith('/fixtures/models/tiny/') && !p.endsWith('manifest.json')).length).toBe(modelRequestsBefore);
      await t.finish('pwa-update');
    } finally {
      await browser.close();
      await b?.close();
      await a.close().catch(() => undefined);
    }
  });
});

/** The example host pages, from their own origin, with the bundle URL, model and backend rewritten. */
async function serveExamples(bundleUrl: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const name = new URL(req.url ?? '/', 'http://x').pathname.replace(/^\//, '');
    if (name === 'favicon.ico') return void res.writeHead(204).end(); // not a page error
    if (!/^[a-z]+\.html$/.test(name)) return void res.writeHead(404).end();
    const html = readFileSync(resolve(REPO, 'examples', name), 'utf8')
      .split('http://127.0.0.1:4173/')
      .join(`${bundleUrl}/`)
      .split('models/default/manifest.json')
      .join(TINY_MODEL)
      .replace(/backend="auto"|backend: 'auto'/g, (m) => m.replace('auto', 'wasm'));
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(html);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((ok) => server.close(() => ok())) };
}

describe('embed', () => {
  test('element, JS API and iframe register no service worker (the app page on the same origin does)', async () => {
    const bundle = await startStaticServer({ root: resolve(REPO, 'dist'), cors: true, mounts: { '/fixtures/': resolve(REPO, 'test/fixtures') } });
    const host = await serveExamples(bundle.url);
    const browser = await launchBrowser({ webgpu: false });
    try {
      for (const example of ['element', 'api', 'iframe']) {
        const t = await openPage(browser, `${host.url}/${example}.html`, {});
        await t.page.waitForFunction(() => ((window as unknown as { hostEvents?: { type: string }[] }).hostEvents ?? []).some((e) => e.type === 'backend'), null, { timeout: 120_000 });
        expect(await registrations(t.page), `${example}: host page`).toEqual([]);
        for (const frame of t.page.frames().slice(1)) expect(await registrations(frame), `${example}: iframe ${frame.url()}`).toEqual([]);
        if (example === 'iframe') expect(t.page.frames().some((f) => f.url().startsWith(`${bundle.url}/embed.html`))).toBe(true);
        await t.finish(`pwa-embed-${example}`);
      }
      expect(bundle.requests).not.toContain('/sw.js');
      // The check can fail: the app page on the bundle's own origin does register one.
      const app = await openPage(browser, `${bundle.url}/?model=${encodeURIComponent(TINY_MODEL)}&backend=wasm`);
      await serviceWorkerActivated(app.page);
      expect(await registrations(app.page)).toEqual([`${bundle.url}/`]);
      await app.finish('pwa-embed-app-registers');
    } finally {
      await browser.close();
      await Promise.all([bundle.close(), host.close()]);
    }
  });
});
