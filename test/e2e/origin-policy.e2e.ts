/**
 * Issue 17.2, with real origins: the app, a host page, and a hostile server that serves a
 * valid model with CORS and records every request. The app page (`?model=`) and the iframe
 * page (`embed.html?model=`) refuse a model on the hostile origin — absolute or
 * protocol-relative — with a message naming it, and the hostile server sees no request.
 * The JS API refuses it too, unless the host page passes that origin in `modelOrigins`.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { REPO, TINY_MODEL, appState, appUrl, serveApp, waitForModel } from './app-helpers';
import { launchBrowser, openPage } from './browser';
import { startStaticServer, type StaticServer } from './server';

let browser: Browser;
let app: StaticServer;
let bundle: StaticServer;
let hostile: StaticServer;
let host: { url: string; close(): Promise<void> };

/** The tiny fixture model as the hostile origin serves it. */
const hostileModel = () => `${hostile.url}/models/tiny/manifest.json`;
/** The browser reports a refused load as a console error of the worker; expected here. */
const REFUSAL = [/Refused to load the model manifest/];

/** A host page on its own origin; the test drives the JS API through page.evaluate. */
async function serveHostPage(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.url === '/favicon.ico') return void res.writeHead(204).end(); // not a page error
    if (req.url !== '/') return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end('<!doctype html><title>host</title><p>host page</p>');
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((ok) => server.close(() => ok())) };
}

beforeAll(async () => {
  app = await serveApp();
  bundle = await serveApp({ isolate: false, cors: true });
  hostile = await startStaticServer({ root: resolve(REPO, 'test/fixtures'), cors: true });
  host = await serveHostPage();
  browser = await launchBrowser({ webgpu: false });
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([app?.close(), bundle?.close(), hostile?.close(), host?.close()]);
});

test('app page: ?model= on another origin (absolute or protocol-relative) is refused by name; the hostile server sees nothing', async () => {
  const hostileOrigin = new URL(hostile.url);
  for (const model of [hostileModel(), `//${hostileOrigin.host}/models/tiny/manifest.json`]) {
    const t = await openPage(browser, appUrl(app, { model, backend: 'wasm' }), { allowErrors: REFUSAL });
    const state = await waitForModel(t.page);
    expect(state.load.phase, model).toBe('error');
    expect(state.load.error).toContain(`Refused to load the model manifest ${hostile.url}/models/tiny/manifest.json`);
    expect(state.load.error).toContain(`not from ${hostile.url}`);
    // The error is on the page, with Retry.
    await expect(t.page.getByRole('button', { name: 'Retry loading the model' }).isVisible()).resolves.toBe(true);
    await t.finish('origin-policy-app');
  }
  expect(hostile.requests).toEqual([]);

  // The page's own origin still works (the same model, served by the app).
  const ok = await openPage(browser, appUrl(app, { model: TINY_MODEL, backend: 'wasm' }));
  expect((await waitForModel(ok.page)).load.phase).toBe('ready');
  expect((await appState(ok.page)).model?.manifestUrl).toBe(`${app.url}/${TINY_MODEL}`);
  await ok.finish('origin-policy-app-same-origin');
});

test('iframe page: embed.html?model= on another origin is refused in the widget; the hostile server sees nothing', async () => {
  // Opened top-level (not framed), the browser also asks the app for /favicon.ico: a 404 of the app's own server.
  const t = await openPage(browser, `${app.url}/embed.html?${new URLSearchParams({ model: hostileModel(), backend: 'wasm' })}`, {
    allowErrors: [...REFUSAL, /status of 404 \(Not Found\)/],
  });
  const widget = t.page.locator('emotion-recognizer');
  await widget.getByText('Refused to load the model manifest').waitFor({ timeout: 60_000 });
  const text = (await widget.locator('text=Refused to load').first().textContent()) ?? '';
  expect(text).toContain(`not from ${hostile.url}`);
  await expect(widget.getByRole('button', { name: 'Retry loading the model' }).isVisible()).resolves.toBe(true);
  expect(hostile.requests).toEqual([]);
  await t.finish('origin-policy-iframe');
});

test('JS API on a host page: another origin is refused unless the host passes it in modelOrigins', async () => {
  const t = await openPage(browser, `${host.url}/`, { allowErrors: REFUSAL });
  // A string, not a function: the test runner would rewrite a function's dynamic import().
  const load = (modelOrigins: string[] | null): Promise<{ ok: boolean; labels?: string[]; code?: string; message?: string }> =>
    t.page.evaluate(`(async () => {
      const api = await import(${JSON.stringify(`${bundle.url}/emotion-recognizer.js`)});
      try {
        const r = await api.createRecognizer({ modelUrl: ${JSON.stringify(hostileModel())}, backend: 'wasm'${modelOrigins ? `, modelOrigins: ${JSON.stringify(modelOrigins)}` : ''} });
        const labels = [...r.labels];
        r.dispose();
        return { ok: true, labels };
      } catch (e) {
        return { ok: false, code: e.code, message: String(e.message) };
      }
    })()`);

  const refused = await load(null);
  expect(refused).toMatchObject({ ok: false, code: 'model' });
  expect(refused.message).toContain(`not from ${hostile.url}`);
  expect(hostile.requests).toEqual([]);

  const allowed = await load([hostile.url]);
  expect(allowed).toEqual({ ok: true, labels: ['anger', 'happiness', 'neutral', 'sadness'] });
  expect(hostile.requests).toContain('/models/tiny/manifest.json');
  await t.finish('origin-policy-js-api');
});
