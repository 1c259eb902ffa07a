/**
 * Fake microphone (Chromium plays a WAV as the capture device) with three utterances
 * separated by silence: the page must show three results, and a provisional-free,
 * stopped state afterwards.
 */
import { expect, test } from 'vitest';
import { resolve } from 'node:path';
import { launchBrowser, openPage } from './browser';
import { APP_MODEL, FIXTURES, appState, appUrl, serveApp, waitForModel } from './app-helpers';

test('fake microphone: three utterances give three results', async () => {
  const server = await serveApp();
  // %noloop: play the file once instead of looping it forever.
  const browser = await launchBrowser({ fakeMicWav: `${resolve(FIXTURES, 'three_utterances_48k.wav')}%noloop` });
  try {
    const t = await openPage(browser, appUrl(server, { model: APP_MODEL, backend: 'wasm' }));
    await waitForModel(t.page);
    await t.page.getByRole('button', { name: 'Listen' }).click();
    await t.page.waitForFunction(() => {
      const h = (window as unknown as { __ser: { store: { getState(): { live: { mic: string } } } } }).__ser;
      return h.store.getState().live.mic === 'listening';
    });
    // The button reads Stop while listening (a locator is always truthy: check the page).
    await expect(t.page.getByRole('button', { name: 'Stop' }).isVisible()).resolves.toBe(true);
    await expect(t.page.locator('.live-state').textContent()).resolves.toMatch(/^(Listening|Speech detected)$/);
    // The file is 11.5 s long; results arrive shortly after each utterance ends.
    await t.page.waitForFunction(
      () => {
        const h = (window as unknown as { __ser: { store: { getState(): { order: string[] } } } }).__ser;
        return h.store.getState().order.length >= 3;
      },
      null,
      { timeout: 60_000 },
    );
    await t.page.waitForTimeout(1500); // a fourth (spurious) result would show up here
    await t.page.getByRole('button', { name: 'Stop' }).click();
    const s = await appState(t.page);
    expect(s.order).toHaveLength(3);
    const rs = s.order.map((id) => s.results[id]);
    for (const r of rs) {
      expect(r.source).toBe('mic');
      expect(r.endS - r.startS).toBeGreaterThan(1.0);
      expect(r.endS - r.startS).toBeLessThan(3.5);
      expect(r.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    }
    expect(s.live.mic).toBe('off');
    await expect(t.page.locator('.history-item').count()).resolves.toBe(3);
    await t.finish('app-mic-three-utterances');
  } finally {
    await browser.close();
    await server.close();
  }
});
