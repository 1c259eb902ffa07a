/**
 * Issue 9, privacy and security:
 * - every request the page (and its workers) makes is recorded, by the browser and by the
 *   server: all are same-origin GETs without a body; once the model is ready, only code and
 *   the VAD model are fetched, the first time the microphone or a file needs them; a second
 *   listening session and a second file make none (except the AudioWorklet's code, which
 *   every new AudioContext loads);
 * - the built pages carry a Content-Security-Policy naming no other origin, and the app
 *   (WASM, WebGPU, workers, the AudioWorklet) works under it.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, Request } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser, openPage } from './browser';
import { REPO, TINY_MODEL, analyseFiles, appState, appUrl, serveApp, waitForModel } from './app-helpers';
import type { StaticServer } from './server';
import { SHARED_FIXTURES } from './reliability-fixtures';
import { waitForStore } from './reliability-probe';

const DIST = process.env.E2E_DIST ?? join(REPO, 'dist');
let browser: Browser;
let server: StaticServer;

beforeAll(async () => {
  server = await serveApp(process.env.E2E_DIST ? { root: process.env.E2E_DIST } : {});
  browser = await launchBrowser({ fakeMicWav: join(SHARED_FIXTURES, 'three_utterances_48k.wav') });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** The CSP of a built page, as directive -> sources. */
function cspOf(html: string): Map<string, string[]> {
  const m = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSP meta tag');
  const value = m[1].replace(/&#39;/g, "'");
  return new Map(value.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
}

test('built pages ship a CSP that allows only their own origin', () => {
  for (const page of ['index.html', 'embed.html', 'model-card.html']) {
    const html = readFileSync(join(DIST, page), 'utf8');
    const csp = cspOf(html);
    // The meta comes before any script, so it governs all of them.
    expect(html.indexOf('Content-Security-Policy'), page).toBeLessThan(html.indexOf('<script'));
    expect(csp.get('default-src')).toEqual(["'self'"]);
    expect(csp.get('connect-src')).toEqual(["'self'"]);
    expect(csp.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    for (const [directive, sources] of csp) {
      for (const s of sources) expect(["'self'", "'none'", "'wasm-unsafe-eval'", "'unsafe-inline'", 'blob:', 'data:'], `${page} ${directive} ${s}`).toContain(s);
      if (directive !== 'style-src') expect(sources, `${page} ${directive}`).not.toContain("'unsafe-inline'");
    }
    // No third-party scripts, styles or fonts referenced by the page itself.
    for (const m of html.matchAll(/\b(?:src|href)="([^"]+)"/g)) expect(m[1], page).toMatch(/^\.?\//);
  }
});

test('no request leaves the page while listening or analysing files; the app works under its CSP', async () => {
  const t = await openPage(browser, appUrl(server, { model: TINY_MODEL, backend: 'wasm' }));
  const requests: { url: string; method: string; body: boolean; phase: string }[] = [];
  let phase = 'loading';
  const record = (r: Request) => requests.push({ url: r.url(), method: r.method(), body: r.postDataBuffer() !== null, phase });
  t.page.on('request', record);
  const sockets: string[] = [];
  t.page.on('websocket', (ws) => sockets.push(ws.url()));
  const cspViolations: string[] = [];
  t.page.on('console', (m) => /Content Security Policy/i.test(m.text()) && cspViolations.push(m.text()));

  expect((await waitForModel(t.page)).load.phase).toBe('ready');

  // First use: code and the VAD model may still be fetched (same origin, no data).
  phase = 'first use';
  await t.page.getByRole('button', { name: 'Listen' }).click();
  await waitForStore(t.page, (s) => s.order.length >= 1, 60_000);
  await t.page.getByRole('button', { name: 'Stop' }).click();
  await analyseFiles(t.page, [join(SHARED_FIXTURES, 'three_utterances_16k.wav')]);

  // Steady state: nothing at all, seen from the browser or from the server.
  phase = 'steady';
  const served = server.requests.length;
  await waitForStore(t.page, (s) => s.live.pending === 0);
  const before = (await appState(t.page)).order.length;
  await t.page.getByRole('button', { name: 'Listen' }).click();
  await waitForStore(t.page, (s) => s.order.length >= before + 2, 60_000);
  await t.page.getByRole('button', { name: 'Stop' }).click();
  await analyseFiles(t.page, [join(SHARED_FIXTURES, 'three_utterances_48k.wav')]);
  expect((await appState(t.page)).order.length).toBeGreaterThanOrEqual(before + 5);
  // The one exception: each new AudioContext loads the AudioWorklet module (fixed code,
  // same origin, no data). The browser does not report worklet fetches; the server does.
  const worklet = /^\/assets\/capture\.worklet-[\w-]+\.js$/;
  expect(requests.filter((r) => r.phase === 'steady' && !worklet.test(new URL(r.url).pathname))).toEqual([]);
  expect(server.requests.slice(served).filter((p) => !worklet.test(p))).toEqual([]);

  const origin = new URL(server.url).origin;
  for (const r of requests) {
    expect(new URL(r.url).origin, r.url).toBe(origin);
    expect(r.method, r.url).toBe('GET');
    expect(r.body, r.url).toBe(false);
  }
  // After ready: only bundled code and the VAD model, never a query string (no data out).
  for (const r of requests.filter((x) => x.phase === 'first use')) {
    expect(new URL(r.url).pathname, r.url).toMatch(/^\/(assets|vendor)\/[\w.-]+\/?[\w.-]*$/);
    expect(new URL(r.url).search, r.url).toBe('');
  }
  expect(requests.filter((r) => r.phase === 'loading').length).toBeGreaterThan(0); // the recorder works
  expect(sockets).toEqual([]);
  expect(cspViolations).toEqual([]);
  await t.finish('privacy-no-requests');
});

test('Tune to my voice makes no request: corrections, refit, storage, export and forget stay in the page', async () => {
  const t = await openPage(browser, appUrl(server, { model: 'fixtures/models/tiny-pooled/manifest.json', backend: 'wasm' }));
  const requests: { url: string; method: string; body: boolean }[] = [];
  expect((await waitForModel(t.page)).load.phase).toBe('ready');
  // First use of files fetches code (same origin); then the steady state starts.
  await analyseFiles(t.page, [join(SHARED_FIXTURES, 'three_utterances_16k.wav')]);
  await analyseFiles(t.page, [join(SHARED_FIXTURES, 'three_utterances_16k.wav')]);
  t.page.on('request', (r: Request) => requests.push({ url: r.url(), method: r.method(), body: r.postDataBuffer() !== null }));
  const served = server.requests.length;

  const ids = (await appState(t.page)).order;
  const labels = ['anger', 'happiness', 'neutral', 'sadness'];
  for (const [i, label] of labels.entries()) {
    await t.page.getByRole('combobox', { name: /^Correct the utterance/ }).nth(i).selectOption(label);
  }
  const s = await waitForStore(t.page, (x) => x.calibration?.active === true && !x.calibration.fitting);
  expect(s.calibration?.counts).toEqual([1, 1, 1, 1]);
  expect(ids.length).toBeGreaterThanOrEqual(4);
  await analyseFiles(t.page, [join(SHARED_FIXTURES, 'three_utterances_16k.wav')]); // tuned results
  const tuned = await appState(t.page);
  expect(tuned.order.slice(ids.length).every((id) => tuned.results[id]?.untunedProbabilities !== undefined)).toBe(true);
  const [download] = await Promise.all([t.page.waitForEvent('download'), t.page.getByRole('button', { name: 'Export', exact: true }).click()]);
  expect(await download.failure()).toBeNull();
  await t.page.getByRole('button', { name: 'Forget my voice' }).click();
  await t.page.getByTestId('tune-forget-confirm').click();
  await waitForStore(t.page, (x) => x.calibration?.tuned === false);

  // Nothing reached the network (the Export is a blob: URL, local to the page); the server saw nothing.
  expect(requests.filter((r) => !r.url.startsWith('blob:'))).toEqual([]);
  expect(server.requests.slice(served)).toEqual([]);
  await t.finish('privacy-tune-no-requests');
});
