/**
 * Long fake-microphone session, shared by the 2-minute E2E (default run) and the
 * 30-minute soak (`npm run soak`). Chromium loops a WAV of dense speech (one EmoDB
 * utterance every 3.3 s); the page listens for `minutes`; memory of the page and of its
 * workers (CDP, after a forced GC; the page's without compiled code, see memory.ts) must
 * not grow after warm-up.
 */
import { expect } from 'vitest';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser, openPage } from '../e2e/browser';
import { TINY_MODEL, appState, appUrl, serveApp, waitForModel } from '../e2e/app-helpers';
import { encodeWav, fixtureDir, threeUtterances16k } from '../e2e/reliability-fixtures';
import { waitForStore } from '../e2e/reliability-probe';
import { HISTORY_LIMIT } from '../../src/store/app-store';
import { describeReading, memoryProbe, type MemoryReading } from './memory';
import { largestGrowth } from './heap-snapshot';

/** Seconds between utterance starts in the fake-microphone loop. */
export const PERIOD_S = 3.3;

/**
 * Two fixture utterances (03a01Wa anger, 08a02Tb sadness; 2 s each), each after 1.3 s of
 * silence: 6.6 s, looped by Chromium. Gaps exceed the VAD's 0.9 s hangover, so every
 * utterance stands alone. (The third fixture utterance, 09a01Fa, starts so softly that
 * the microphone path misses it about one time in ten: a VAD matter, not what this checks.)
 */
export function writeDenseSpeechWav(dir: string): string {
  const src = threeUtterances16k();
  const sr = 16000;
  const out = new Float32Array(Math.round(2 * PERIOD_S * sr));
  [1.0, 4.5].forEach((start, i) => {
    out.set(src.subarray(start * sr, (start + 2) * sr), Math.round((i * PERIOD_S + 1.3) * sr));
  });
  const path = join(dir, 'dense-speech-16k.wav');
  writeFileSync(path, encodeWav([out], sr, 's16'));
  return path;
}

export interface SoakReport {
  utterances: number;
  expected: number;
  /** Memory after warm-up and at the end (history cleared before both). */
  baseline: MemoryReading;
  final: MemoryReading;
  /** Growth from baseline to final, as fractions: the page and each app worker. */
  growth: Record<string, number>;
}

/**
 * Listens for `minutes` and checks: utterance count as expected (+-3), history capped,
 * page and worker memory growth under 10% after warm-up.
 */
export async function runMicSoak(minutes: number, log: (line: string) => void = () => undefined): Promise<SoakReport> {
  const dir = fixtureDir('soak');
  const wav = writeDenseSpeechWav(dir);
  const server = await serveApp(process.env.E2E_DIST ? { root: process.env.E2E_DIST } : {});
  const browser = await launchBrowser({ webgpu: false, fakeMicWav: wav });
  try {
    const t = await openPage(browser, appUrl(server, { model: TINY_MODEL, backend: 'wasm' }));
    expect((await waitForModel(t.page)).load.phase).toBe('ready');
    const probe = await memoryProbe(browser, t.page);
    // History (results + audio clips) grows by design up to HISTORY_LIMIT; clearing it
    // before the two readings that are compared leaves what must not grow.
    const clearedReading = async (): Promise<MemoryReading> => {
      const clear = t.page.getByRole('button', { name: 'Clear', exact: true });
      if (await clear.isEnabled()) await clear.click();
      await waitForStore(t.page, (s) => s.order.length === 0);
      return probe.read();
    };

    // Count every finished utterance (the history itself is capped and cleared).
    await t.page.evaluate(() => {
      const w = window as unknown as { __soakStarts: number[]; __ser: { recognizer: { on(type: 'utterance', cb: (r: { startS: number }) => void): void } } };
      w.__soakStarts = [];
      w.__ser.recognizer.on('utterance', (r) => w.__soakStarts.push(r.startS));
    });
    await t.page.getByRole('button', { name: 'Listen' }).click();
    await waitForStore(t.page, (s) => s.live.mic === 'listening');
    const t0 = Date.now();
    const elapsed = () => (Date.now() - t0) / 1000;
    const durationS = minutes * 60;
    // Warm-up: JIT, ORT arenas, the VAD worker, a first history rendered (5 min for the
    // 30-minute soak: the page heap is ~4 MB, so 10% is 0.4 MB, within late JIT/IC growth).
    const warmUpS = Math.min(300, durationS / 4);
    // Clearing once inside the warm-up too: its own first-use allocations are not growth.
    await t.page.waitForTimeout((warmUpS / 2) * 1000);
    await clearedReading();
    await t.page.waitForTimeout(Math.max(0, (warmUpS - elapsed()) * 1000));
    const baseline = await clearedReading();
    log(`t=${elapsed().toFixed(0)} s (baseline) ${describeReading(baseline)}`);
    let maxHistory = 0;
    const every = Math.max(20, durationS / 15);
    for (let next = warmUpS + every; next < durationS; next += every) {
      await t.page.waitForTimeout(Math.max(0, (next - elapsed()) * 1000));
      const s = await appState(t.page);
      maxHistory = Math.max(maxHistory, s.order.length);
      expect(Object.keys(s.results).length).toBeLessThanOrEqual(HISTORY_LIMIT);
      log(`t=${elapsed().toFixed(0)} s history ${s.order.length}, ${describeReading(await probe.read())}`);
    }
    await t.page.waitForTimeout(Math.max(0, (durationS - elapsed()) * 1000));
    await t.page.getByRole('button', { name: 'Stop' }).click();
    const listenedS = elapsed();
    const end = await waitForStore(t.page, (s) => s.live.pending === 0 && s.live.mic === 'off', 60_000);
    maxHistory = Math.max(maxHistory, end.order.length);
    const starts = await t.page.evaluate(() => (window as unknown as { __soakStarts: number[] }).__soakStarts);
    const utterances = starts.length;
    const final = await clearedReading();
    log(`t=${elapsed().toFixed(0)} s (final) ${describeReading(final)}`);
    await probe.close();

    const growth: Record<string, number> = { page: final.page / baseline.page - 1 };
    for (const [k, v] of Object.entries(baseline.workers)) growth[k] = (final.workers[k] ?? 0) / v - 1;
    // Expected from the audio actually captured (under CPU load the audio clock can lag the
    // wall clock): one utterance per period between the first and the last.
    const spanS = starts[starts.length - 1] - starts[0];
    const expected = Math.round(spanS / PERIOD_S) + 1;
    const gaps = starts.slice(1).map((v, i) => v - starts[i]);
    log(`${utterances} utterances in ${listenedS.toFixed(0)} s listening, ${spanS.toFixed(0)} s of audio between first and last (expected ${expected}); gaps ${Math.min(...gaps).toFixed(2)}..${Math.max(...gaps).toFixed(2)} s; largest history ${maxHistory} (cap ${HISTORY_LIMIT})`);
    log(`growth after warm-up: ${Object.entries(growth).map(([k, g]) => `${k} ${(100 * g).toFixed(1)}%`).join(', ')}`);
    log(`page: largest growth ${largestGrowth(baseline.pageHeap, final.pageHeap, 5).join(', ')}`);

    expect(Math.abs(utterances - expected)).toBeLessThanOrEqual(1);
    // None lost (a gap of two periods) and none split (a gap under half a period).
    expect(Math.max(...gaps)).toBeLessThan(1.6 * PERIOD_S);
    expect(Math.min(...gaps)).toBeGreaterThan(0.5 * PERIOD_S);
    // The audio kept up with the session (a stalled capture would show here).
    expect(spanS).toBeGreaterThan(0.8 * listenedS);
    expect(maxHistory).toBeLessThanOrEqual(HISTORY_LIMIT);
    expect(Object.keys(baseline.workers).sort()).toEqual(['inference', 'vad']); // VAD + inference measured
    for (const [k, g] of Object.entries(growth)) expect(g, `${k} memory growth`).toBeLessThan(0.1);
    await t.finish(`soak-${minutes}min`);
    return { utterances, expected, baseline, final, growth };
  } finally {
    await browser.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
