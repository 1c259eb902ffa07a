/**
 * Issue 9, microphone faults: permission denied, no microphone, the device unplugged in
 * the middle of an utterance (the utterance is kept), and the browser suspending the
 * AudioContext while listening (resumed, user told, utterances keep coming).
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { join } from 'node:path';
import { launchBrowser, openPage } from './browser';
import { TINY_MODEL, appState, appUrl, serveApp, waitForModel } from './app-helpers';
import type { StaticServer } from './server';
import { SHARED_FIXTURES } from './reliability-fixtures';
import { PROBE_SCRIPT, audioState, suspendAudio, unplugMicrophone, waitForStore } from './reliability-probe';

let server: StaticServer;

beforeAll(async () => {
  server = await serveApp(process.env.E2E_DIST ? { root: process.env.E2E_DIST } : {});
});
afterAll(async () => {
  await server?.close();
});

/** Opens the app in a browser with `args`, model ready, then presses Listen. */
async function listenIn(browser: Browser, name: string) {
  const t = await openPage(browser, appUrl(server, { model: TINY_MODEL, backend: 'wasm' }), { initScript: PROBE_SCRIPT });
  expect((await waitForModel(t.page)).load.phase).toBe('ready');
  await t.page.getByRole('button', { name: 'Listen' }).click();
  return { ...t, name };
}

async function withBrowser(args: Parameters<typeof launchBrowser>[0], fn: (b: Browser) => Promise<void>): Promise<void> {
  const b = await launchBrowser(args);
  try {
    await fn(b);
  } finally {
    await b.close();
  }
}

test('microphone permission denied: clear message, page stays usable', async () => {
  await withBrowser({ webgpu: false, args: ['--use-fake-device-for-media-stream', '--deny-permission-prompts'] }, async (b) => {
    const t = await listenIn(b, 'denied');
    await waitForStore(t.page, (s) => s.live.mic === 'error');
    const s = await appState(t.page);
    expect(s.notices.at(-1)?.kind).toBe('error');
    expect(s.notices.at(-1)?.text).toMatch(/Microphone access was denied/);
    await expect(t.page.getByRole('alert').filter({ hasText: 'Microphone access was denied' }).count()).resolves.toBe(1);
    await expect(t.page.getByRole('button', { name: 'Listen' }).isEnabled()).resolves.toBe(true);
    await t.finish('reliability-mic-denied');
  });
});

test('no microphone: clear message', async () => {
  // Permission granted, but no fake device and no real one on a headless machine.
  await withBrowser({ webgpu: false, args: ['--use-fake-ui-for-media-stream'] }, async (b) => {
    const t = await listenIn(b, 'none');
    await waitForStore(t.page, (s) => s.live.mic === 'error');
    const s = await appState(t.page);
    expect(s.notices.at(-1)?.text).toMatch(/No microphone was found|could not be opened/);
    await expect(t.page.getByRole('button', { name: 'Listen' }).isEnabled()).resolves.toBe(true);
    await t.finish('reliability-mic-none');
  });
});

test('microphone unplugged mid-utterance: user told, the utterance is kept', async () => {
  await withBrowser({ webgpu: false, fakeMicWav: join(SHARED_FIXTURES, 'three_utterances_48k.wav') }, async (b) => {
    const t = await listenIn(b, 'unplug');
    await waitForStore(t.page, (s) => s.live.speech === true);
    await t.page.waitForTimeout(800); // well inside the 2-s utterance, past the minimum speech length
    expect((await appState(t.page)).order).toHaveLength(0);
    await unplugMicrophone(t.page);
    await waitForStore(t.page, (s) => s.live.mic === 'off' && s.order.length === 1 && s.live.pending === 0);
    const s = await appState(t.page);
    const r = s.results[s.order[0]];
    expect(r.source).toBe('mic');
    expect(r.endS - r.startS).toBeGreaterThan(0.5);
    expect(s.notices.map((n) => n.text).join('\n')).toMatch(/microphone stopped \(the device was disconnected or access was revoked\)\. The utterance in progress was kept/);
    await expect(t.page.getByRole('button', { name: 'Listen' }).isEnabled()).resolves.toBe(true);
    await t.finish('reliability-mic-unplugged');
  });
});

test('AudioContext suspended while listening: resumed, user told, utterances keep coming', async () => {
  await withBrowser({ webgpu: false, fakeMicWav: join(SHARED_FIXTURES, 'three_utterances_48k.wav') }, async (b) => {
    const t = await listenIn(b, 'suspend');
    await waitForStore(t.page, (s) => s.live.mic === 'listening');
    await suspendAudio(t.page);
    await waitForStore(t.page, (s) => s.notices.some((n) => /listening resumed/.test(n.text)));
    expect(await audioState(t.page)).toBe('running');
    await waitForStore(t.page, (s) => s.order.length >= 1, 30_000);
    expect((await appState(t.page)).live.mic).toBe('listening');
    await t.finish('reliability-mic-suspended');
  });
});
