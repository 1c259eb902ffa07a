/**
 * An utterance longer than 2 s shows provisional probabilities while it goes on, and the
 * final result replaces them when it ends. The fake microphone plays three EmoDB sentences
 * back to back (one ~6 s utterance).
 */
import { expect, test } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { launchBrowser, openPage } from './browser';
import { APP_MODEL, EMODB, appState, appUrl, serveApp, waitForModel } from './app-helpers';

/** 16-bit mono 16 kHz WAV: 0.5 s silence, the files' samples back to back, 2 s silence. */
function concatWav(files: string[]): string {
  const pcm = files.map((f) => {
    const b = readFileSync(f);
    const at = b.indexOf('data') + 8; // EmoDB copies: plain 44-byte PCM headers
    return b.subarray(at);
  });
  const silence = (s: number) => Buffer.alloc(Math.round(s * 16000) * 2);
  const data = Buffer.concat([silence(0.5), ...pcm, silence(2)]);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(16000, 24);
  h.writeUInt32LE(32000, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  const out = join(mkdtempSync(join(tmpdir(), 'ser-')), 'long-utterance.wav');
  writeFileSync(out, Buffer.concat([h, data]));
  return out;
}

test('provisional probabilities during a long utterance, then the final result', async () => {
  const wav = concatWav(['03a01Wa.wav', '03a02Wb.wav', '03a02Wc.wav'].map((f) => resolve(EMODB, f)));
  const server = await serveApp();
  const browser = await launchBrowser({ webgpu: false, fakeMicWav: `${wav}%noloop` });
  try {
    const t = await openPage(browser, appUrl(server, { model: APP_MODEL, backend: 'wasm' }));
    await waitForModel(t.page);
    // Record every provisional update the store sees (the view renders from the same state).
    await t.page.evaluate(() => {
      const h = (window as unknown as { __ser: { store: { subscribe(cb: (s: { live: { provisional: unknown } }) => void): void } } }).__ser;
      const seen: unknown[] = [];
      (window as unknown as { __provisional: unknown[] }).__provisional = seen;
      h.store.subscribe((s) => {
        if (s.live.provisional && seen[seen.length - 1] !== s.live.provisional) seen.push(s.live.provisional);
      });
    });
    await t.page.getByRole('button', { name: 'Listen' }).click();
    await t.page.locator('.provisional .bar').first().waitFor({ timeout: 30_000 });
    await t.page.screenshot({ path: 'test-results/app-provisional-during.png' });
    await t.page.waitForFunction(
      () => (window as unknown as { __ser: { store: { getState(): { order: string[] } } } }).__ser.store.getState().order.length >= 1,
      null,
      { timeout: 60_000 },
    );
    await t.page.getByRole('button', { name: 'Stop' }).click();
    const s = await appState(t.page);
    const provisional = (await t.page.evaluate(() => (window as unknown as { __provisional: { durationS: number; probabilities: number[] }[] }).__provisional)) ?? [];
    expect(provisional.length).toBeGreaterThanOrEqual(2); // about once a second after 2 s
    expect(provisional[0].durationS).toBeGreaterThan(1.9);
    for (const p of provisional) expect(p.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    expect(s.order).toHaveLength(1);
    const r = s.results[s.order[0]];
    expect(r.endS - r.startS).toBeGreaterThan(5);
    expect(s.live.provisional).toBeNull(); // the final result replaced it
    await expect(t.page.locator('.provisional').count()).resolves.toBe(0);
    await t.finish('app-provisional-final');
  } finally {
    await browser.close();
    await server.close();
    rmSync(dirname(wav), { recursive: true, force: true });
  }
});
