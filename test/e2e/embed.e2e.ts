/**
 * The embed on a host page from ANOTHER origin: the example host pages (examples/) are served
 * from one port, the built bundle + fixture model from another (CORS, no isolation). An EmoDB
 * file goes through the element's file input, the JS API and the iframe bridge; each result
 * must equal the standalone app's for the same file and model. Host styles must not change
 * the widget's pixels.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createServer, type Server } from 'node:http';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { EMODB, REPO, TINY_MODEL, analyseFiles, appUrl, serveApp, waitForModel } from './app-helpers';
import { RESULTS_DIR, launchBrowser, openPage, type TrackedPage } from './browser';
import type { StaticServer } from './server';

const WAV = resolve(EMODB, '03a01Wa.wav');
/** The URL the examples use for the bundle (vite preview's default). */
const EXAMPLE_BUNDLE = 'http://127.0.0.1:4173/';

interface HostEvent {
  type: string;
  detail: { probabilities?: number[]; labels?: string[]; backend?: string; code?: string; message?: string; source?: string };
}

/**
 * Serves examples/*.html with the bundle URL pointed at `bundleUrl`, the fixture model and the
 * WASM backend. Each rewrite must apply, so the test cannot silently run something else.
 */
async function serveExamples(bundleUrl: string): Promise<{ url: string; close(): Promise<void> }> {
  const rewrites: [string, string][] = [
    [EXAMPLE_BUNDLE, `${bundleUrl}/`],
    ['models/default/manifest.json', TINY_MODEL],
  ];
  const server: Server = createServer((req, res) => {
    const name = new URL(req.url ?? '/', 'http://x').pathname.replace(/^\//, '');
    if (name === 'favicon.ico') return void res.writeHead(204).end(); // not a page error
    if (!/^[a-z]+\.html$/.test(name)) return void res.writeHead(404).end();
    let html: string;
    try {
      html = readFileSync(resolve(REPO, 'examples', name), 'utf8');
    } catch {
      return void res.writeHead(404).end();
    }
    for (const [from, to] of [...rewrites, backendRewrite(html)]) {
      if (!html.includes(from)) return void res.writeHead(500).end(`example ${name} lacks ${from}`);
      html = html.split(from).join(to);
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(html);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((ok) => server.close(() => ok())) };
}

/** Each example spells `backend auto` its own way (attribute, API option, iframe parameter). */
function backendRewrite(html: string): [string, string] {
  for (const form of ['backend="auto"', "backend: 'auto'"]) if (html.includes(form)) return [form, form.replace('auto', 'wasm')];
  return ['backend="auto"', 'backend="wasm"'];
}

function hostEvents(page: Page): Promise<HostEvent[]> {
  return page.evaluate(() => JSON.parse(JSON.stringify((window as unknown as { hostEvents: unknown[] }).hostEvents)));
}

async function waitForHostEvent(page: Page, type: string, count = 1, timeout = 180_000): Promise<HostEvent[]> {
  await page.waitForFunction(
    ([t, n]) => ((window as unknown as { hostEvents?: { type: string }[] }).hostEvents ?? []).filter((e) => e.type === t).length >= n,
    [type, count] as const,
    { timeout },
  );
  return hostEvents(page);
}

function expectSameProbabilities(got: HostEvent['detail'] | undefined, want: { labels: readonly string[]; probabilities: readonly number[] }): void {
  expect(got?.labels).toEqual([...want.labels]);
  expect(got?.probabilities).toHaveLength(want.probabilities.length);
  got?.probabilities?.forEach((p, i) => expect(Math.abs(p - want.probabilities[i])).toBeLessThan(1e-4));
}

let browser: Browser;
let bundle: StaticServer;
let standalone: StaticServer;
let host: { url: string; close(): Promise<void> };
/** The standalone app's result for WAV with the tiny model on WASM. */
let reference: { labels: readonly string[]; probabilities: readonly number[]; startS: number; endS: number };

beforeAll(async () => {
  // Same dist/ twice: the standalone app isolated (its normal setup), the bundle with CORS only.
  standalone = await serveApp();
  bundle = await serveApp({ isolate: false, cors: true });
  host = await serveExamples(bundle.url);
  browser = await launchBrowser({ webgpu: false });

  const t = await openPage(browser, appUrl(standalone, { model: TINY_MODEL, backend: 'wasm' }));
  expect((await waitForModel(t.page)).load.phase).toBe('ready');
  const state = await analyseFiles(t.page, [WAV]);
  const ids = state.files[0].utteranceIds;
  expect(ids.length).toBeGreaterThan(0);
  const r = state.results[ids[0]];
  expect(r.backend).toBe('wasm');
  reference = { labels: r.labels, probabilities: r.probabilities, startS: r.startS, endS: r.endS };
  await t.finish('embed-standalone-reference');
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([bundle?.close(), standalone?.close(), host?.close()]);
});

describe('embed served from another origin', () => {
  let element: TrackedPage;

  test('custom element: file input result equals the standalone app, events reach the host', async () => {
    element = await openPage(browser, `${host.url}/element.html`);
    const { page } = element;
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
    const loaded = await waitForHostEvent(page, 'backend');
    expect(loaded.find((e) => e.type === 'backend')?.detail.backend).toBe('wasm');
    // Playwright's locators pierce the open shadow root.
    await page.getByTestId('file-input').setInputFiles(WAV);
    const events = await waitForHostEvent(page, 'utterance');
    const types = events.map((e) => e.type);
    expect(types.indexOf('utterance-start')).toBeGreaterThan(-1);
    expect(types.indexOf('utterance-start')).toBeLessThan(types.indexOf('utterance'));
    expect(types).not.toContain('error');
    expectSameProbabilities(events.find((e) => e.type === 'utterance')?.detail, reference);
    // Runtime files came from the bundle's origin, none from the host's.
    expect(bundle.requests.some((p) => p.startsWith('/vendor/ort/'))).toBe(true);
    expect(bundle.requests).toContain('/fixtures/models/tiny/manifest.json');
    // The footer links the card rendered as a page on the bundle's origin (the model is there too).
    const manifestUrl = `${bundle.url}/fixtures/models/tiny/manifest.json`;
    const cardHref = await page.getByTestId('footer-card-link').getAttribute('href');
    expect(cardHref).toBe(`${bundle.url}/model-card.html?${new URLSearchParams({ model: manifestUrl })}`);
    const card = await page.context().newPage();
    await card.goto(cardHref!);
    await card.waitForFunction(() => document.getElementById('card')?.getAttribute('aria-busy') === 'false');
    const markdown = readFileSync(resolve(REPO, 'test/fixtures/models/tiny/README.md'), 'utf8');
    const heading = /^# (.+)$/m.exec(markdown)?.[1];
    expect(heading).toBeDefined();
    await expect(card.locator('#card h1').textContent()).resolves.toBe(heading);
    await card.close();
  });

  test('host styles do not change the widget (pixels and computed styles inside the shadow root)', async () => {
    const { page } = element;
    const widget = page.locator('#ser');
    // The host decides the box's size and place; fix both (whole pixels, so anti-aliasing is
    // identical) so that only styles reaching inside the widget could change its pixels.
    await page.evaluate(() => {
      const el = document.getElementById('ser')!;
      el.style.cssText = 'position: absolute; top: 0; left: 0; width: 720px; z-index: 10';
      window.scrollTo(0, 0);
    });
    const probe = () =>
      page.evaluate(() => {
        const root = document.getElementById('ser')!.shadowRoot!;
        const pick = (el: Element | null) => {
          const s = el ? getComputedStyle(el) : null;
          return s ? [s.display, s.color, s.backgroundColor, s.fontSize, s.fontFamily, s.padding, s.letterSpacing, s.textTransform].join('|') : 'missing';
        };
        const box = (el: Element | null) => JSON.stringify(el?.getBoundingClientRect().toJSON() ?? null);
        return { button: pick(root.querySelector('button')), heading: pick(root.querySelector('h2')), size: box(root.querySelector('.ser-app')).replace(/"(x|y|top|bottom|left|right)":[^,}]+,?/g, '') };
      });
    mkdirSync(RESULTS_DIR, { recursive: true });
    const before = { shot: await widget.screenshot(), styles: await probe() };
    await page.evaluate(() => {
      const style = document.createElement('style');
      style.textContent = `
        html { font-size: 10px; }
        body { font: italic 28px/3 serif; color: magenta; letter-spacing: 4px; text-transform: uppercase; word-spacing: 9px; }
        .host-sidebar * { display: none !important; }
        button { all: unset; background: red !important; color: yellow !important; font-size: 40px !important; padding: 30px !important; border: 5px solid lime !important; }
        p, h2, div, section, li, span, input, progress, ul { color: red !important; margin: 40px !important; border: 3px dotted blue !important; }
        :root { --fg: red; --line: lime; --accent: orange; }`;
      document.head.append(style);
      const sibling = document.createElement('div');
      sibling.className = 'host-sidebar';
      sibling.innerHTML = '<p>hidden</p><button>host</button>';
      document.body.insertBefore(sibling, document.getElementById('ser'));
    });
    // The hostile sheet does apply to the host's own elements.
    expect(await page.evaluate(() => getComputedStyle(document.querySelector('body > h2')!).color)).toBe('rgb(255, 0, 0)');
    expect(await page.evaluate(() => getComputedStyle(document.querySelector('.host-sidebar button')!).display)).toBe('none');
    const after = { shot: await widget.screenshot(), styles: await probe() };
    expect(after.styles).toEqual(before.styles);
    writeFileSync(resolve(RESULTS_DIR, 'embed-widget-before.png'), before.shot);
    writeFileSync(resolve(RESULTS_DIR, 'embed-widget-after.png'), after.shot);
    expect(after.shot.equals(before.shot)).toBe(true);
    await element.finish('embed-element-hostile-styles');
  });

  test('bad host input (javascript:/data: model URL, unknown input mode) is refused with a clear error; a missing model is reported', async () => {
    const t = await openPage(browser, `${host.url}/element.html`, { allowErrors: [/./] });
    const results = await t.page.evaluate(async (bundleUrl) => {
      const viaElement = (model: string) =>
        new Promise<{ code: string; message: string; shown: string }>((ok) => {
          const el = document.createElement('emotion-recognizer');
          el.setAttribute('model', model);
          el.addEventListener('error', (e) => ok({ ...(e as CustomEvent).detail, shown: el.shadowRoot?.textContent ?? '' }));
          document.body.append(el);
        });
      // Through Function: the test runner would rewrite a literal import().
      const load = new Function('u', 'return import(u)') as (u: string) => Promise<typeof import('../../src/embed/index')>;
      const mod = await load(`${bundleUrl}/emotion-recognizer.js`);
      const viaApi = await mod.createRecognizer({ modelUrl: 'javascript:alert(1)' }).then(
        () => null,
        (e: { code: string; message: string }) => ({ code: e.code, message: e.message }),
      );
      const badInput = await new Promise<{ code: string; message: string }>((ok) => {
        const el = document.createElement('emotion-recognizer');
        el.setAttribute('input', 'camera');
        el.addEventListener('error', (e) => ok((e as CustomEvent).detail));
        document.body.append(el);
      });
      const missing = await new Promise<{ code: string; message: string }>((ok) => {
        const el = document.createElement('emotion-recognizer');
        el.setAttribute('model', `${bundleUrl}/fixtures/models/missing/manifest.json`);
        el.setAttribute('backend', 'wasm');
        el.addEventListener('error', (e) => ok((e as CustomEvent).detail));
        document.body.append(el);
      });
      return { js: await viaElement('javascript:alert(1)'), data: await viaElement('data:application/json,{}'), viaApi, badInput, missing };
    }, bundle.url);
    expect(results.js).toMatchObject({ code: 'invalid-option' });
    expect(results.js.message).toMatch(/http\(s\).*javascript:/);
    expect(results.js.shown).toContain(results.js.message);
    expect(results.data.message).toMatch(/http\(s\).*data:/);
    expect(results.viaApi).toMatchObject({ code: 'invalid-option' });
    expect(results.badInput.message).toMatch(/input must be one of mic, file, both/);
    expect(results.missing.code).toBe('model');
    expect(results.missing.message).toMatch(/model manifest/); // the test server's 404 has no CORS header: a fetch failure
    await t.finish('embed-bad-input');
  });

  test('JS API: r.analyse(file) resolves with the standalone result; events fire', async () => {
    const t = await openPage(browser, `${host.url}/api.html`);
    await t.page.locator('#status', { hasText: 'Ready' }).waitFor({ timeout: 180_000 });
    await t.page.locator('#file').setInputFiles(WAV);
    const events = await waitForHostEvent(t.page, 'analysed');
    expect(events.find((e) => e.type === 'backend')?.detail.backend).toBe('wasm');
    expectSameProbabilities(events.find((e) => e.type === 'utterance')?.detail, reference);
    await t.finish('embed-api');
  });

  test('tune attribute: the iframe page shows "Tune to my voice" for a model that can be tuned; the element exposes recognizer.calibration', async () => {
    const page = (model: string, tune: boolean) => `${bundle.url}/embed.html?${tune ? 'tune&' : ''}backend=wasm&model=${encodeURIComponent(model)}`;
    // Not inside an iframe here: the page warns that results are not shared, and works otherwise.
    // The bundle server has no favicon.ico: the browser's request for it 404s (not the widget's doing).
    const t = await openPage(browser, page('fixtures/models/tiny-pooled/manifest.json', true), { allowErrors: [/Failed to load resource: the server responded with a status of 404/] });
    const panel = t.page.getByRole('region', { name: 'Tune to my voice' });
    await panel.waitFor({ timeout: 180_000 });
    const state = await t.page.evaluate(async () => {
      const el = document.querySelector('emotion-recognizer') as unknown as { ready: Promise<{ calibration: { state: { labels: string[]; active: boolean } } | null }> };
      return (await el.ready).calibration?.state ?? null;
    });
    expect(state).toMatchObject({ labels: ['anger', 'happiness', 'neutral', 'sadness'], active: false });
    await t.finish('embed-tune');
    // Without the attribute, or with a model that cannot be tuned: no panel (the API says null for the latter).
    for (const [model, tune] of [
      ['fixtures/models/tiny-pooled/manifest.json', false],
      [TINY_MODEL, true],
    ] as const) {
      const u = await openPage(browser, page(model, tune));
      const cal = await u.page.evaluate(async () => {
        const el = document.querySelector('emotion-recognizer') as unknown as { ready: Promise<{ calibration: object | null }> };
        return (await el.ready).calibration !== null;
      });
      expect(cal, model).toBe(model !== TINY_MODEL);
      await expect(u.page.getByRole('region', { name: 'Tune to my voice' }).count()).resolves.toBe(0);
      await u.context.close();
    }
  });

  test('iframe: results posted to the parent origin, commands accepted from it', async () => {
    const t = await openPage(browser, `${host.url}/iframe.html`);
    await waitForHostEvent(t.page, 'ready');
    // The host sends the file to the iframe with postMessage (see examples/iframe.html).
    await t.page.locator('#file').setInputFiles(WAV);
    const events = await waitForHostEvent(t.page, 'utterance');
    expect(events.find((e) => e.type === 'backend')?.detail.backend).toBe('wasm');
    expectSameProbabilities(events.find((e) => e.type === 'utterance')?.detail, reference);
    // The iframe was told the host's origin and checked it against its real embedder.
    const src = await t.page.locator('#ser').getAttribute('src');
    expect(new URL(src ?? '').searchParams.get('parent')).toBe(host.url);
    // Configured for another parent than the page that really embeds it: it refuses to post.
    await t.page.evaluate((url) => {
      const other = document.createElement('iframe');
      other.id = 'other';
      other.src = url;
      document.body.append(other);
    }, src!.replace(`parent=${encodeURIComponent(host.url)}`, `parent=${encodeURIComponent('https://evil.example')}`));
    const warning = t.page.frameLocator('#other').locator('.frame-warning');
    await expect(warning.textContent()).resolves.toContain(`embedded by ${host.url}, not by the configured parent https://evil.example`);
    await t.finish('embed-iframe');
  });
});
