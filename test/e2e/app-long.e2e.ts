/** A 96-s recording with 30 utterances is segmented and drawn as a timeline of 30 (±2). */
import { expect, test } from 'vitest';
import { resolve } from 'node:path';
import { launchBrowser, openPage } from './browser';
import { APP_MODEL, FIXTURES, analyseFiles, appUrl, serveApp, waitForModel } from './app-helpers';

test('long file: 30 utterances on the timeline', async () => {
  const server = await serveApp();
  const browser = await launchBrowser({ webgpu: false });
  try {
    const t = await openPage(browser, appUrl(server, { model: APP_MODEL, backend: 'wasm' }));
    await waitForModel(t.page);
    const s = await analyseFiles(t.page, [resolve(FIXTURES, 'long_30_utterances_16k.wav')], 300_000);
    const job = s.files[0];
    expect(job.status, job.message ?? '').toBe('done');
    expect(job.durationS).toBeCloseTo(96.5, 1);
    expect(Math.abs(job.utteranceIds.length - 30)).toBeLessThanOrEqual(2);
    const segments = t.page.locator('.timeline .segment');
    await expect(segments.count()).resolves.toBe(job.utteranceIds.length);
    // Utterances are in time order and inside the file.
    const starts = job.utteranceIds.map((id) => s.results[id].startS);
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);
    expect(Math.max(...job.utteranceIds.map((id) => s.results[id].endS))).toBeLessThanOrEqual(96.5 + 0.05);
    await t.finish('app-long-timeline');
  } finally {
    await browser.close();
    await server.close();
  }
});
