import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, openPage } from './browser';
import { startStaticServer, type StaticServer } from './server';

let browser: Browser;
let server: StaticServer;

beforeAll(async () => {
  server = await startStaticServer({ root: 'dist', isolate: true });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

test('page loads, shows its title, and WebGPU gives an adapter', async () => {
  const t = await openPage(browser, server.url + '/');
  await expect(t.page.title()).resolves.toBe('Speech Emotion Recognizer');
  await t.page.getByRole('heading', { level: 1 }).waitFor();
  const adapter = await t.page.evaluate(async () => {
    if (!navigator.gpu) return null;
    const a = await navigator.gpu.requestAdapter();
    return a ? { vendor: a.info.vendor, fallback: a.info.isFallbackAdapter ?? null } : null;
  });
  expect(adapter).not.toBeNull();
  await t.finish('smoke');
});
