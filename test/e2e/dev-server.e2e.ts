/**
 * README's first command ends in `npm run dev`: the dev server must serve a working app
 * (workers, ORT's wasm from vendor/, the default model) just like the build does.
 */
import { expect, test } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { launchBrowser, openPage } from './browser';
import { EMODB, REPO, analyseFiles, waitForModel } from './app-helpers';

test('npm run dev serves a working app with the default model', async () => {
  const dev = spawn('npx', ['vite', '--port', '5197', '--strictPort'], {
    cwd: REPO,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  try {
    const url = await new Promise<string>((ok, fail) => {
      let out = '';
      const onData = (d: Buffer) => {
        // Vite colours its banner when it thinks it may (CI=true does): strip the codes.
        out += d.toString().replace(/\x1b\[[0-9;]*m/g, '');
        const m = out.match(/http:\/\/127\.0\.0\.1:5197\//);
        if (m) ok(m[0]);
      };
      dev.stdout.on('data', onData);
      dev.stderr.on('data', onData);
      dev.on('exit', (code) => fail(new Error(`vite exited (${code}): ${out}`)));
      setTimeout(() => fail(new Error(`vite did not start: ${out}`)), 60_000);
    });
    const browser = await launchBrowser({ webgpu: false });
    try {
      const t = await openPage(browser, url);
      const s = await waitForModel(t.page);
      expect(s.load.error).toBeNull();
      const shipped = JSON.parse(readFileSync(resolve(REPO, 'public/models/default/manifest.json'), 'utf8')) as { name: string };
      expect(s.model?.name).toBe(shipped.name);
      const done = await analyseFiles(t.page, [resolve(EMODB, '03a01Wa.wav')]);
      expect(done.files[0].status, done.files[0].message ?? '').toBe('done');
      expect(done.files[0].utteranceIds).toHaveLength(1);
      await t.finish('dev-server');
    } finally {
      await browser.close();
    }
  } finally {
    if (dev.pid) process.kill(-dev.pid, 'SIGTERM');
  }
});
