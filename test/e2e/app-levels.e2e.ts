/**
 * Segmentation keeps all speech in the page (issue 14): EmoDB sentences written to WAV at
 * controlled levels (from ../shared, generated per run) through file analysis and through the
 * fake microphone. Every sentence must come out as its own result; the meter shows dBFS and the
 * "too quiet" cue appears for -50 dBFS speech.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Resampler } from '../../src/audio/resample';
import type { AppState } from '../../src/store/app-store';
import { encodeWav16, matchClips, SEQUENCE_CLIPS, sequence, type Sequence } from '../unit/helpers/level-audio';
import { launchBrowser, openPage } from './browser';
import { APP_MODEL, analyseFiles, appState, appUrl, serveApp, waitForModel } from './app-helpers';
import type { StaticServer } from './server';

let dir: string;
let server: StaticServer;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ser-levels-'));
  server = await serveApp();
});
afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function write(name: string, samples: Float32Array, rate = 16000): string {
  const path = join(dir, name);
  writeFileSync(path, encodeWav16(samples, rate));
  return path;
}

/** The results of one file job as [start, end) seconds, in time order. */
function fileUtterances(s: AppState, name: string): { startS: number; endS: number }[] {
  const job = s.files.find((f) => f.name === name)!;
  expect(job.status, job.message ?? '').toBe('done');
  return job.utteranceIds.map((id) => s.results[id]).sort((a, b) => a.startS - b.startS);
}

test('file analysis: six sentences 0.5 s apart at -23 dBFS, and one at -50 dBFS, each its own utterance', async () => {
  const seq = sequence(SEQUENCE_CLIPS, -23, 0.5);
  const quiet = sequence(['16a02Wb.wav'], -50, 0.5);
  const seqPath = write('six-at-23dbfs-gap-0.5s.wav', seq.samples);
  const quietPath = write('anger-at-50dbfs.wav', quiet.samples);
  const browser = await launchBrowser({ webgpu: false });
  try {
    const t = await openPage(browser, appUrl(server, { model: APP_MODEL, backend: 'wasm' }));
    expect((await waitForModel(t.page, 180_000)).load.error).toBeNull();
    const s = await analyseFiles(t.page, [seqPath, quietPath], 240_000);
    const six = fileUtterances(s, 'six-at-23dbfs-gap-0.5s.wav');
    const m = matchClips(seq.clips, six);
    console.log(`[app-levels] -23 dBFS, 0.5 s gaps: ${six.length} utterances ${six.map((u) => `${u.startS.toFixed(2)}-${u.endS.toFixed(2)}`).join(' ')}`);
    expect(m.perClip).toEqual([1, 1, 1, 1, 1, 1]);
    expect(m.perUtterance).toEqual([1, 1, 1, 1, 1, 1]);
    const one = fileUtterances(s, 'anger-at-50dbfs.wav');
    console.log(`[app-levels] -50 dBFS sentence: ${one.length} utterance(s) ${one.map((u) => `${u.startS.toFixed(2)}-${u.endS.toFixed(2)}`).join(' ')}`);
    expect(matchClips(quiet.clips, one).perClip).toEqual([1]);
    expect(one).toHaveLength(1);
    await t.finish('app-levels-files');
  } finally {
    await browser.close();
  }
});

test('fake microphone: three sentences at -50 dBFS give three results, the meter reads dBFS and says "too quiet"', async () => {
  const seq: Sequence = sequence(SEQUENCE_CLIPS.slice(0, 3), -50, 1.5, 1.0);
  // The capture device plays 48 kHz, as a real one would.
  const r = new Resampler(16000, 48000);
  const head = r.process(seq.samples);
  const tail = r.flush();
  const at48 = new Float32Array(head.length + tail.length);
  at48.set(head);
  at48.set(tail, head.length);
  const wav = write('three-at-50dbfs-48k.wav', at48, 48000);
  const browser = await launchBrowser({ fakeMicWav: `${wav}%noloop` });
  try {
    const t = await openPage(browser, appUrl(server, { model: APP_MODEL, backend: 'wasm' }));
    await waitForModel(t.page);
    await t.page.getByRole('button', { name: 'Listen' }).click();
    const meter = t.page.getByRole('meter', { name: 'Input level' });
    await t.page.waitForFunction(() => document.querySelector('.level-cue')?.textContent?.match(/too quiet/i), null, { timeout: 60_000 });
    const now = Number(await meter.getAttribute('aria-valuenow'));
    expect(now).toBeGreaterThanOrEqual(-60);
    expect(now).toBeLessThan(-30);
    await expect(meter.getAttribute('aria-valuetext')).resolves.toMatch(/^-\d+ dBFS$/);
    await t.page.waitForFunction(
      () => (window as unknown as { __ser: { store: { getState(): { order: string[] } } } }).__ser.store.getState().order.length >= 3,
      null,
      { timeout: 60_000 },
    );
    await t.page.waitForTimeout(1500); // a fourth (spurious) result would show up here
    // The file has ended (digital silence): the cue clears once the quiet speech is 3 s old.
    await t.page.waitForFunction(() => document.querySelector('.level-cue')?.textContent === '', null, { timeout: 10_000 });
    const s = await appState(t.page);
    await t.finish('app-levels-mic');
    const rs = s.order.map((id) => s.results[id]);
    console.log(`[app-levels] fake mic at -50 dBFS: ${rs.length} results, durations ${rs.map((x) => (x.endS - x.startS).toFixed(2)).join(', ')} s`);
    expect(rs).toHaveLength(3);
    for (const x of rs) {
      expect(x.source).toBe('mic');
      expect(x.endS - x.startS).toBeGreaterThan(1.0);
      expect(x.endS - x.startS).toBeLessThan(3.5);
    }
  } finally {
    await browser.close();
  }
});
