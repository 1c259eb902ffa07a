/**
 * Headless Debian Chromium with WebGPU on SwiftShader (flags from ../shared/NOTES.md).
 * Every page records console errors and uncaught exceptions; `finish()` saves a
 * screenshot under test-results/ and fails if any error was seen.
 */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const RESULTS_DIR = join(process.cwd(), 'test-results');

const BASE_FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

const WEBGPU_FLAGS = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
  '--disable-vulkan-surface',
];

export interface LaunchOptions {
  /** Expose WebGPU through SwiftShader (default true); false disables WebGPU entirely. */
  webgpu?: boolean;
  /** WAV file played by Chromium's fake microphone. */
  fakeMicWav?: string;
  /** Extra Chromium flags. */
  args?: string[];
}

export async function launchBrowser(opts: LaunchOptions = {}): Promise<Browser> {
  const args = [...BASE_FLAGS];
  if (opts.webgpu === false) args.push('--disable-features=WebGPU', '--disable-gpu');
  else args.push(...WEBGPU_FLAGS);
  if (opts.fakeMicWav) {
    args.push(
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${opts.fakeMicWav}`,
    );
  }
  if (opts.args) args.push(...opts.args);
  return chromium.launch({ executablePath: CHROMIUM, args, headless: true });
}

export interface TrackedPage {
  page: Page;
  context: BrowserContext;
  errors: string[];
  /** Screenshot to test-results/<name>.png; throws if the page logged errors. */
  finish(name: string): Promise<void>;
}

export async function openPage(
  browser: Browser,
  url: string,
  opts: { allowErrors?: RegExp[]; viewport?: { width: number; height: number }; initScript?: string } = {},
): Promise<TrackedPage> {
  const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1100, height: 900 } });
  // The app exposes its store as window.__ser only when this test-only flag is set first.
  await context.addInitScript('Object.defineProperty(window, "__serTestHooks", { value: true });');
  // Runs before the page's own scripts (tests use it to observe workers, audio contexts, streams).
  if (opts.initScript) await context.addInitScript(opts.initScript);
  const page = await context.newPage();
  const errors: string[] = [];
  const allowed = (text: string) => (opts.allowErrors ?? []).some((re) => re.test(text));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !allowed(msg.text())) errors.push(`console.error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => {
    if (!allowed(err.message)) errors.push(`pageerror: ${err.message}`);
  });
  await page.goto(url);
  return {
    page,
    context,
    errors,
    async finish(name: string) {
      mkdirSync(RESULTS_DIR, { recursive: true });
      await page.screenshot({ path: join(RESULTS_DIR, `${name}.png`), fullPage: true });
      await context.close();
      if (errors.length) throw new Error(`page reported errors:\n${errors.join('\n')}`);
    },
  };
}
