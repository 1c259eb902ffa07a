/**
 * Test-only observation of the page, installed before its scripts run: every Worker (by
 * name), AudioContext and getUserMedia stream the app creates is kept on `window.__probe`,
 * so tests can inject faults the way the real world would (a worker message, a stopped
 * track, a suspended context) without hooks in the product code.
 */
import type { Page } from 'playwright-core';
import type { AppState } from '../../src/store/app-store';
import { appState } from './app-helpers';

/** Source for `openPage(..., { initScript })`. */
export const PROBE_SCRIPT = `(() => {
  const probe = { workers: [], contexts: [], streams: [] };
  Object.defineProperty(window, '__probe', { value: probe });
  const W = window.Worker;
  window.Worker = class extends W {
    constructor(url, opts) {
      super(url, opts);
      probe.workers.push({ name: (opts && opts.name) || '', worker: this });
    }
  };
  const AC = window.AudioContext;
  if (AC) window.AudioContext = class extends AC {
    constructor(o) {
      super(o);
      probe.contexts.push(this);
    }
  };
  const md = navigator.mediaDevices;
  if (md && md.getUserMedia) {
    const gum = md.getUserMedia.bind(md);
    md.getUserMedia = async (c) => {
      const s = await gum(c);
      probe.streams.push(s);
      return s;
    };
  }
})();`;

/** Posts a simulated fault to the live inference worker (the worker's own test hook). */
export async function injectWorkerFault(page: Page, fault: 'crash' | 'device-lost'): Promise<void> {
  await page.evaluate((f) => {
    const probe = (window as unknown as { __probe: { workers: { name: string; worker: Worker }[] } }).__probe;
    const live = probe.workers.filter((w) => w.name === 'inference').pop();
    if (!live) throw new Error('no inference worker');
    live.worker.postMessage({ type: 'simulate-fault', fault: f });
  }, fault);
}

/** Ends the microphone track as an unplugged device would (stop + 'ended' event). */
export async function unplugMicrophone(page: Page): Promise<void> {
  await page.evaluate(() => {
    const probe = (window as unknown as { __probe: { streams: MediaStream[] } }).__probe;
    const track = probe.streams[probe.streams.length - 1]?.getAudioTracks()[0];
    if (!track) throw new Error('no microphone track');
    track.stop(); // stop() alone fires no 'ended' event; a real unplug does
    track.dispatchEvent(new Event('ended'));
  });
}

/** Suspends the newest AudioContext (as the browser does on an audio interruption). */
export async function suspendAudio(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const probe = (window as unknown as { __probe: { contexts: AudioContext[] } }).__probe;
    const ctx = probe.contexts[probe.contexts.length - 1];
    if (!ctx) throw new Error('no AudioContext');
    await ctx.suspend();
  });
}

/** State of the newest AudioContext. */
export function audioState(page: Page): Promise<string> {
  return page.evaluate(() => {
    const probe = (window as unknown as { __probe: { contexts: AudioContext[] } }).__probe;
    return probe.contexts[probe.contexts.length - 1]?.state ?? 'none';
  });
}

/**
 * Polls the app store from the test side until `predicate` holds; returns that state.
 * (Predicates run in Node: the page's CSP forbids the eval a string predicate would need.)
 */
export async function waitForStore(page: Page, predicate: (s: AppState) => boolean, timeout = 60_000): Promise<AppState> {
  const end = Date.now() + timeout;
  for (;;) {
    const s = await appState(page);
    if (predicate(s)) return s;
    if (Date.now() > end) throw new Error(`waitForStore timed out after ${timeout} ms: ${predicate.toString()}`);
    await page.waitForTimeout(100);
  }
}
