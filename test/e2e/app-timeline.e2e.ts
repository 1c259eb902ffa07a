/**
 * Issue 14 parts 2-5 in a real browser: the 96-s fixture's timeline (energy strip of the whole
 * file, one Tab stop, arrow keys select an utterance whose bars then show, Enter plays it with a
 * playhead, tap-sized segments at 360 px), "uncertain" marking against a fixture manifest's
 * `evaluation.uncertain_below` (bars, history, timeline, events), and the emotion-over-time
 * chart after three microphone utterances. Screenshots at 1280 and 360 px.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { RESULTS_DIR, launchBrowser, openPage } from './browser';
import type { StaticServer } from './server';
import { FIXTURES, REPO, analyseFiles, appState, appUrl, serveApp, waitForModel } from './app-helpers';

const MODEL = 'fixtures/models/tiny-uncertain/manifest.json';
const THRESHOLD: number = JSON.parse(readFileSync(resolve(REPO, 'test', MODEL), 'utf8')).evaluation.uncertain_below;
const LONG = resolve(FIXTURES, 'long_30_utterances_16k.wav');

let server: StaticServer;
beforeAll(async () => {
  server = await serveApp();
});
afterAll(async () => {
  await server?.close();
});

const top = (p: readonly number[]) => Math.max(...p);
const db = (rms: number) => 20 * Math.log10(Math.max(rms, 1e-5));

async function shot(page: Page, name: string) {
  mkdirSync(RESULTS_DIR, { recursive: true });
  await page.screenshot({ path: join(RESULTS_DIR, `${name}.png`), fullPage: true });
}

/** Tabs from the top of the page to its end; what got focus, in order (class or name). */
async function tabStops(page: Page, max = 60): Promise<string[]> {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  const seen: string[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const d = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      return el && el !== document.body ? `${el.getAttribute('role') ?? el.tagName.toLowerCase()}|${el.className}|${el.getAttribute('aria-label') ?? el.textContent ?? ''}` : null;
    });
    if (d === null || seen.includes(d)) break;
    seen.push(d);
  }
  return seen;
}

test('96-s file: energy strip, one Tab stop, arrows select and show bars, Enter plays with a playhead, uncertain marked', async () => {
  const browser = await launchBrowser({ webgpu: false });
  try {
    const t = await openPage(browser, appUrl(server, { model: MODEL, backend: 'wasm' }), { viewport: { width: 1280, height: 900 } });
    await t.page.evaluate(() => {
      const h = (window as unknown as { __ser: { recognizer: { on(t: string, cb: (e: unknown) => void): void } } }).__ser;
      const w = window as unknown as { __events: { uncertain: boolean; id: string }[] };
      w.__events = [];
      h.recognizer.on('utterance', (e) => w.__events.push(e as { uncertain: boolean; id: string }));
    });
    const loaded = await waitForModel(t.page, 120_000);
    expect(loaded.load.error).toBeNull();
    expect(loaded.model?.uncertainBelow).toBe(THRESHOLD);
    const s = await analyseFiles(t.page, [LONG], 240_000);
    const job = s.files[0];
    expect(job.status, job.message ?? '').toBe('done');
    const utts = job.utteranceIds.map((id) => s.results[id]);
    expect(utts.length).toBeGreaterThanOrEqual(25);

    // Coverage: <= 2,000 bins over the whole file; speech (analysed) is louder than the gaps.
    const env = job.envelope!;
    expect(env.rms.length).toBeGreaterThan(100);
    expect(env.rms.length).toBeLessThanOrEqual(2000);
    expect(env.binS * env.rms.length).toBeCloseTo(job.durationS!, 1);
    const inside = (b: number) => utts.some((r) => (b + 0.5) * env.binS >= r.startS && (b + 0.5) * env.binS < r.endS);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const speechDb = mean(env.rms.map((v, b) => (inside(b) ? db(v) : NaN)).filter((x) => !Number.isNaN(x)));
    const gapDb = mean(env.rms.map((v, b) => (inside(b) ? NaN : db(v))).filter((x) => !Number.isNaN(x)));
    console.log(`[timeline] ${utts.length} utterances, ${env.rms.length} energy bins of ${env.binS.toFixed(3)} s; speech ${speechDb.toFixed(1)} dBFS, gaps ${gapDb.toFixed(1)} dBFS`);
    expect(speechDb - gapDb).toBeGreaterThan(10);
    await expect(t.page.locator('.timeline-energy').getAttribute('data-points')).resolves.toBe(String(env.rms.length));

    // Uncertain: exactly the results under the threshold, in the store, the events, the timeline and the history.
    const expected = utts.filter((r) => top(r.probabilities) < THRESHOLD).map((r) => r.id);
    console.log(`[timeline] uncertain below ${THRESHOLD}: ${expected.length} of ${utts.length}; tops ${utts.map((r) => top(r.probabilities).toFixed(2)).join(' ')}`);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(utts.length);
    expect(utts.filter((r) => r.uncertain).map((r) => r.id)).toEqual(expected);
    const events = await t.page.evaluate(() => (window as unknown as { __events: { uncertain: boolean; id: string }[] }).__events);
    expect(events.filter((e) => e.uncertain).map((e) => e.id).sort()).toEqual([...expected].sort());
    const segUncertain = await t.page.locator('.timeline .segment[data-uncertain="true"]').evaluateAll((els) => els.map((e) => e.id.replace(/^tl-f\d+-/, '')));
    expect(segUncertain).toEqual(expected);
    await expect(t.page.locator('.history-item[data-uncertain="true"]').count()).resolves.toBe(expected.length);
    const firstUncertain = await t.page.locator(`#tl-${job.id}-${expected[0]}`).getAttribute('aria-label');
    expect(firstUncertain).toMatch(/, uncertain, /);

    // One Tab stop for the whole timeline, none for its segments.
    const stops = await tabStops(t.page);
    expect(stops.filter((d) => d.startsWith('listbox|timeline'))).toHaveLength(1);
    expect(stops.filter((d) => d.includes('segment'))).toEqual([]);

    // Keyboard: focus the timeline, arrows select, the current result shows that utterance's bars.
    await t.page.locator('.timeline[role="listbox"]').focus();
    const bars = () => t.page.locator('.current .bar').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-probability'))));
    const check = async (k: number) => {
      const st = await appState(t.page);
      expect(st.selectedId).toBe(utts[k].id);
      await expect(t.page.locator('.current').getAttribute('data-utterance-id')).resolves.toBe(utts[k].id);
      expect((await bars()).map((p) => p.toFixed(4))).toEqual(utts[k].probabilities.map((p) => p.toFixed(4)));
      await expect(t.page.locator(`#tl-${job.id}-${utts[k].id}`).getAttribute('aria-selected')).resolves.toBe('true');
    };
    await t.page.keyboard.press('ArrowRight');
    await check(0);
    await t.page.keyboard.press('ArrowRight');
    await check(1);
    await t.page.keyboard.press('End');
    await check(utts.length - 1);
    await t.page.keyboard.press('Home');
    await check(0);
    await expect(t.page.locator('.current h2').textContent()).resolves.toBe('Selected utterance');
    const uncertainIndex = utts.findIndex((r) => r.id === expected[0]);
    for (let k = 0; k < uncertainIndex; k++) await t.page.keyboard.press('ArrowRight');
    await check(uncertainIndex);
    await expect(t.page.locator('.current .bar-top').textContent()).resolves.toBe(' (top, uncertain)');
    await expect(t.page.locator('.current .uncertain-tag').count()).resolves.toBe(1);

    // Enter plays the selected utterance: a playhead inside it.
    await t.page.keyboard.press('Enter');
    const head = t.page.locator('.timeline .playhead[data-position]');
    await head.waitFor({ timeout: 10_000 });
    const pos = Number(await head.getAttribute('data-position'));
    const sel = utts[uncertainIndex];
    expect(pos).toBeGreaterThanOrEqual(sel.startS - 1e-3);
    expect(pos).toBeLessThanOrEqual(sel.endS + 1e-3);
    expect((await appState(t.page)).playing?.id).toBe(sel.id);
    await shot(t.page, 'app-timeline-1280');
    await t.page.locator('.file-job').screenshot({ path: join(RESULTS_DIR, 'app-timeline-1280-file.png') });
    // Playback ends by itself: the playhead goes.
    await t.page.waitForFunction(() => (window as unknown as { __ser: { store: { getState(): { playing: unknown } } } }).__ser.store.getState().playing === null, null, { timeout: 20_000 });

    // 360 px: no sideways page scroll; the timeline scrolls inside; every segment is a >= 24-px target; the selection stays in view.
    await t.page.setViewportSize({ width: 360, height: 800 });
    await t.page.locator('.timeline[role="listbox"]').focus();
    await t.page.keyboard.press('End');
    await check(utts.length - 1);
    const overflow = await t.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const widths = await t.page.locator('.timeline .segment').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().width));
    expect(Math.min(...widths)).toBeGreaterThanOrEqual(24);
    const scroller = (await t.page.locator('.timeline-scroll').boundingBox())!;
    const last = (await t.page.locator(`#tl-${job.id}-${utts[utts.length - 1].id}`).boundingBox())!;
    expect(last.x).toBeGreaterThanOrEqual(scroller.x - 1);
    expect(last.x + last.width).toBeLessThanOrEqual(scroller.x + scroller.width + 1);
    await t.page.getByRole('button', { name: 'Back to latest' }).click();
    expect((await appState(t.page)).selectedId).toBeNull();
    await t.page.locator('.timeline[role="listbox"]').focus();
    await t.page.keyboard.press('ArrowRight');
    await t.page.locator('.file-job').scrollIntoViewIfNeeded();
    await t.page.locator('.file-job').screenshot({ path: join(RESULTS_DIR, 'app-timeline-360-file.png') });
    await t.page.locator('.current').screenshot({ path: join(RESULTS_DIR, 'app-timeline-360-current.png') });
    await t.finish('app-timeline-360');
  } finally {
    await browser.close();
  }
});

test('microphone session: the emotion-over-time chart has a point per utterance, uncertain ones hollow', async () => {
  // %noloop: play the file once instead of looping it forever.
  const browser = await launchBrowser({ webgpu: false, fakeMicWav: `${resolve(FIXTURES, 'three_utterances_48k.wav')}%noloop` });
  try {
    const t = await openPage(browser, appUrl(server, { model: MODEL, backend: 'wasm' }), { viewport: { width: 1280, height: 900 } });
    await waitForModel(t.page, 120_000);
    const chart = t.page.getByTestId('emotion-chart');
    await expect(chart.getAttribute('data-points')).resolves.toBe('0');
    await t.page.getByRole('button', { name: 'Listen' }).click();
    await t.page.waitForFunction(
      () => (window as unknown as { __ser: { store: { getState(): { order: string[] } } } }).__ser.store.getState().order.length >= 3,
      null,
      { timeout: 60_000 },
    );
    await t.page.getByRole('button', { name: 'Stop' }).click();
    const s = await appState(t.page);
    const rs = s.order.map((id) => s.results[id]);
    await expect(chart.getAttribute('data-points')).resolves.toBe(String(rs.length));
    await expect(chart.locator('circle.chart-top').count()).resolves.toBe(rs.length);
    await expect(chart.locator('circle.chart-top.uncertain').count()).resolves.toBe(rs.filter((r) => top(r.probabilities) < THRESHOLD).length);
    await expect(chart.locator('polyline.chart-line').count()).resolves.toBe(s.model!.labels.length);
    await expect(chart.locator('svg').getAttribute('aria-label')).resolves.toMatch(new RegExp(`^Emotion over time: ${rs.length} utterance\\(s\\) in the last 3 minutes at most; latest `));
    // Beside the latest result on a wide screen, below it on a narrow one.
    const cur = (await t.page.locator('.current').boundingBox())!;
    const box = (await chart.boundingBox())!;
    expect(Math.abs(box.y - cur.y)).toBeLessThan(4);
    expect(box.x).toBeGreaterThan(cur.x + cur.width - 1);
    await shot(t.page, 'app-chart-1280');
    await t.page.locator('.result-row').screenshot({ path: join(RESULTS_DIR, 'app-chart-1280-row.png') });
    await t.page.setViewportSize({ width: 360, height: 800 });
    const narrow = (await chart.boundingBox())!;
    expect(narrow.width).toBeLessThanOrEqual(360);
    expect(narrow.y).toBeGreaterThan((await t.page.locator('.current').boundingBox())!.y);
    await chart.screenshot({ path: join(RESULTS_DIR, 'app-chart-360-chart.png') });
    await t.finish('app-chart-360');
  } finally {
    await browser.close();
  }
});
