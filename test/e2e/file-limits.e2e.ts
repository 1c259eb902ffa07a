/**
 * Issue 17.3 and 17.8 in the built app, through the real file picker: a 188 KB FLAC holding
 * 4 h of 48 kHz stereo silence is refused from its header within 2 s, with a message about
 * its duration, and the renderer's peak memory stays under 500 MB; an honest short FLAC and an Ogg written by sox still decode; a valid WAV
 * with a 2 MB LIST chunk before `data` is analysed like the plain file.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TINY_MODEL, analyseFiles, appUrl, serveApp, waitForModel } from './app-helpers';
import { launchBrowser, openPage } from './browser';
import { encodeData, fixtureDir, threeUtterances16k, wavHeader } from './reliability-fixtures';
import type { StaticServer } from './server';
import { waitForStore } from './reliability-probe';
import { constantFlac } from '../unit/helpers/flac';
import { processPeaks } from '../../bench/memory';

let browser: Browser;
let server: StaticServer;
let dir: string;

beforeAll(async () => {
  dir = fixtureDir('file-limits');
  server = await serveApp();
  browser = await launchBrowser({ webgpu: false });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('FLAC bomb refused from its header in under 2 s; honest FLAC and Ogg still decode', async () => {
  const bomb = join(dir, 'four-hours-of-silence.flac');
  writeFileSync(bomb, constantFlac({ seconds: 4 * 3600 }));
  const honest = join(dir, 'three-seconds.flac');
  writeFileSync(honest, constantFlac({ seconds: 3 }));
  const t = await openPage(browser, appUrl(server, { model: TINY_MODEL, backend: 'wasm' }));
  expect((await waitForModel(t.page)).load.phase).toBe('ready');

  const t0 = Date.now();
  const refused = await analyseFiles(t.page, [bomb], 10_000);
  const elapsed = Date.now() - t0;
  const job = refused.files[0];
  expect(job.status).toBe('error');
  expect(job.message).toMatch(/4 h 00 min long \(from its FLAC header\); compressed files up to 1 h 00 min/);
  expect(elapsed).toBeLessThan(2000);
  // Decoding it would need ~5.5 GB (4 h x 48 kHz x 2 ch x float32): the peak shows it never happened.
  const { rendererPeakBytes } = await processPeaks(browser);
  console.log(`[file-limits] renderer peak after the FLAC bomb: ${((rendererPeakBytes ?? 0) / 2 ** 20).toFixed(0)} MB`);
  expect(rendererPeakBytes).not.toBeNull();
  expect(rendererPeakBytes!).toBeLessThan(500 * 2 ** 20);

  const files = [honest];
  const ogg = join(dir, 'tone.ogg');
  if (existsSync('/usr/bin/sox')) {
    execFileSync('/usr/bin/sox', ['-n', '-r', '16000', '-c', '1', ogg, 'synth', '2.5', 'sine', '440']);
    files.push(ogg);
  }
  const decoded = await analyseFiles(t.page, files);
  const after = decoded.files.slice(1);
  expect(after).toHaveLength(files.length);
  for (const f of after) expect([f.name, f.status, f.durationS]).toEqual([f.name, 'done', expect.closeTo(f.name.endsWith('.ogg') ? 2.5 : 3, 1)]);
  await t.finish('file-limits-flac');
});

test('a WebM recorded by MediaRecorder (no Duration element) is not refused: its length comes from the last cluster', async () => {
  const t = await openPage(browser, appUrl(server, { model: TINY_MODEL, backend: 'wasm' }));
  expect((await waitForModel(t.page)).load.phase).toBe('ready');
  // Record 3 s of a tone in the page, then drop the recording on the drop zone like a user would.
  const dt = await t.page.evaluateHandle(async () => {
    const ctx = new AudioContext();
    const osc = ctx.createOscillator();
    const dest = ctx.createMediaStreamDestination();
    osc.connect(dest);
    osc.start();
    const rec = new MediaRecorder(dest.stream, { mimeType: 'audio/webm;codecs=opus' });
    const parts: Blob[] = [];
    rec.ondataavailable = (e) => parts.push(e.data);
    const stopped = new Promise((r) => (rec.onstop = r));
    rec.start(500);
    await new Promise((r) => setTimeout(r, 3000));
    rec.stop();
    await stopped;
    await ctx.close();
    const d = new DataTransfer();
    d.items.add(new File(parts, 'recording.webm', { type: 'audio/webm' }));
    return d;
  });
  await t.page.locator('.dropzone').dispatchEvent('drop', { dataTransfer: dt });
  const s = await waitForStore(t.page, (x) => x.files.length === 1 && (x.files[0].status === 'done' || x.files[0].status === 'error'));
  expect([s.files[0].status, s.files[0].message]).toEqual(['done', 'No speech found in this file.']);
  expect(s.files[0].durationS).toBeGreaterThan(2);
  await t.finish('file-limits-mediarecorder-webm');
});

test('a WAV with a 2 MB LIST chunk before data gives the same utterances as the plain file', async () => {
  const data = encodeData([threeUtterances16k()], 's16');
  const plain = Buffer.concat([wavHeader(16000, 1, 's16', data.length), data]);
  const list = Buffer.alloc(8 + 2 * 1024 * 1024);
  list.write('LIST', 0, 'latin1');
  list.writeUInt32LE(list.length - 8, 4);
  const withList = Buffer.concat([plain.subarray(0, 36), list, plain.subarray(36)]);
  withList.writeUInt32LE(withList.length - 8, 4); // RIFF size
  const plainPath = join(dir, 'plain.wav');
  const listPath = join(dir, 'big-list-chunk.wav');
  writeFileSync(plainPath, plain);
  writeFileSync(listPath, withList);

  const t = await openPage(browser, appUrl(server, { model: TINY_MODEL, backend: 'wasm' }));
  expect((await waitForModel(t.page)).load.phase).toBe('ready');
  const state = await analyseFiles(t.page, [plainPath, listPath]);
  const [a, b] = state.files;
  expect([a.status, a.utteranceIds.length]).toEqual(['done', 3]);
  expect([b.status, b.message ?? null]).toEqual(['done', null]);
  expect(b.utteranceIds).toHaveLength(a.utteranceIds.length);
  const times = (ids: string[]) => ids.map((id) => [state.results[id].startS, state.results[id].endS]);
  expect(times(b.utteranceIds)).toEqual(times(a.utteranceIds));
  await t.finish('file-limits-list-chunk');
});
