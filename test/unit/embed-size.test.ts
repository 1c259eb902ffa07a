/** The embed size budget script: follows imports and worker URLs, skips vendor/, fails above the limit. */
import { expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';

const SCRIPT = resolve(__dirname, '../../scripts/check-embed-size.mjs');

test('counts the entry, its chunks and workers, not vendor/ort; exits 1 over budget', () => {
  const dist = mkdtempSync(join(tmpdir(), 'embed-size-'));
  try {
    mkdirSync(join(dist, 'assets'));
    mkdirSync(join(dist, 'vendor/ort'), { recursive: true });
    // Random text does not compress: sizes are predictable.
    const noise = (n: number) => `/*${randomBytes(n).toString('base64')}*/`;
    const files: Record<string, string> = {
      'emotion-recognizer.js': `import{a}from"./assets/app-1.js";${noise(100)}`,
      'assets/app-1.js': `new Worker(new URL(\`worker-2.js\`,import.meta.url));new URL("../vendor/ort/",import.meta.url);${noise(30_000)}`,
      'assets/worker-2.js': `import("../vendor/ort/ort-wasm-simd-threaded.jsep.mjs");${noise(20_000)}`,
      'assets/unrelated-3.js': noise(50_000),
      'vendor/ort/ort-wasm-simd-threaded.jsep.mjs': noise(50_000),
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dist, name), text);
    const counted = ['emotion-recognizer.js', 'assets/app-1.js', 'assets/worker-2.js'].reduce((s, f) => s + gzipSync(files[f], { level: 9 }).length, 0);

    const ok = spawnSync(process.execPath, [SCRIPT, dist, '--limit-kb=100'], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain(`${(counted / 1000).toFixed(1)} kB of 100 kB budget: OK`);
    expect(ok.stdout).toMatch(/assets\/worker-2\.js/);
    expect(ok.stdout).not.toMatch(/unrelated-3|  .*vendor\/ort/);

    const over = spawnSync(process.execPath, [SCRIPT, dist, `--limit-kb=${Math.floor(counted / 1000) - 1}`], { encoding: 'utf8' });
    expect(over.status).toBe(1);
    expect(over.stdout).toContain('OVER BUDGET');
  } finally {
    rmSync(dist, { recursive: true, force: true });
  }
});
