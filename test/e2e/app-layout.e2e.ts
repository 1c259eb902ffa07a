/**
 * What a person on a phone or with a keyboard/screen reader meets: no sideways scrolling at
 * 360 px, every control reachable with Tab and named for assistive technology.
 */
import { expect, test } from 'vitest';
import { resolve } from 'node:path';
import { launchBrowser, openPage } from './browser';
import { APP_MODEL, EMODB, analyseFiles, appUrl, serveApp, waitForModel } from './app-helpers';

test('360 px wide: usable without horizontal scrolling; keyboard and labels', async () => {
  const server = await serveApp();
  const browser = await launchBrowser({ webgpu: false });
  try {
    const t = await openPage(browser, appUrl(server, { model: APP_MODEL, backend: 'wasm' }), { viewport: { width: 360, height: 780 } });
    await waitForModel(t.page);
    await analyseFiles(t.page, [resolve(EMODB, '03a02Ta.wav')]);
    const overflow = await t.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);

    // Every button and form control has an accessible name.
    const unnamed = await t.page.evaluate(() =>
      [...document.querySelectorAll('button, input:not([hidden]), progress, meter')]
        .filter((el) => !(el.getAttribute('aria-label') || el.textContent?.trim() || (el.id && document.querySelector(`label[for="${el.id}"]`))))
        .map((el) => el.outerHTML.slice(0, 80)),
    );
    expect(unnamed).toEqual([]);

    // Tab reaches Listen first, then the other controls, each visibly focused.
    await t.page.keyboard.press('Tab');
    const first = await t.page.evaluate(() => document.activeElement?.textContent);
    expect(first).toBe('Listen');
    const outline = await t.page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle);
    expect(outline).not.toBe('none');
    const reached = new Set<string>();
    // The tuning panel (models with head.pooled) adds a dozen stops before the files.
    for (let i = 0; i < 30; i++) {
      await t.page.keyboard.press('Tab');
      reached.add((await t.page.evaluate(() => document.activeElement?.getAttribute('aria-label') || document.activeElement?.textContent)) ?? '');
    }
    expect([...reached]).toEqual(expect.arrayContaining(['Choose files…', 'Export JSON', 'Export CSV', 'Clear']));
    // The result is announced in text, not colour alone.
    await expect(t.page.locator('.current-summary').textContent()).resolves.toMatch(/^sadness \d+%/);
    await t.finish('app-layout-360px');
  } finally {
    await browser.close();
    await server.close();
  }
});
