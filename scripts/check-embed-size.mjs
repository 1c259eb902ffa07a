#!/usr/bin/env node
/**
 * Embed size budget: gzipped JS the embed loads (entry, its chunks, workers, worklet),
 * without onnxruntime-web's wasm runtime (vendor/ort/) and the model. Prints each file and
 * the total; exits 1 above the budget so `npm run build` fails.
 * Usage: node scripts/check-embed-size.mjs [distDir] [--limit-kb=150]
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const args = process.argv.slice(2);
const dist = resolve(args.find((a) => !a.startsWith('--')) ?? 'dist');
const limitKb = Number(args.find((a) => a.startsWith('--limit-kb='))?.split('=')[1] ?? 150);
const ENTRY = 'emotion-recognizer.js';

/** Every .js/.mjs file a module refers to by a relative string (imports, new URL(..., import.meta.url)). */
function references(file) {
  const code = readFileSync(file, 'utf8');
  const out = new Set();
  for (const m of code.matchAll(/["'`]((?:\.{1,2}\/)?[\w./-]+\.m?js)["'`]/g)) {
    const target = resolve(dirname(file), m[1]);
    if (target.startsWith(dist) && existsSync(target)) out.add(target);
  }
  return out;
}

export function embedFiles(distDir = dist) {
  const entry = join(distDir, ENTRY);
  if (!existsSync(entry)) throw new Error(`${entry} missing: run vite build first`);
  const seen = new Set([entry]);
  const queue = [entry];
  while (queue.length) {
    for (const ref of references(queue.pop())) {
      // onnxruntime-web's wasm runtime (.wasm + its emscripten loader .mjs) is excluded by the budget.
      if (relative(distDir, ref).startsWith('vendor/') || seen.has(ref)) continue;
      seen.add(ref);
      queue.push(ref);
    }
  }
  return [...seen];
}

const files = embedFiles().map((f) => ({ name: relative(dist, f), gz: gzipSync(readFileSync(f), { level: 9 }).length }));
const total = files.reduce((s, f) => s + f.gz, 0);
for (const f of files.sort((a, b) => b.gz - a.gz)) console.log(`  ${(f.gz / 1000).toFixed(1).padStart(7)} kB  ${f.name}`);
const verdict = total <= limitKb * 1000 ? 'OK' : 'OVER BUDGET';
const ortDir = join(dist, 'vendor/ort');
const loaders = (existsSync(ortDir) ? readdirSync(ortDir) : [])
  .filter((f) => f.endsWith('.mjs'))
  .map((f) => `${f} ${(gzipSync(readFileSync(join(ortDir, f)), { level: 9 }).length / 1000).toFixed(1)} kB`);
console.log(`  not counted: .wasm, model, and ORT's emscripten loader that each worker fetches at run time, one of: ${loaders.join(', ')}`);
console.log(`embed JS (gzip -9, without ORT wasm runtime and model): ${(total / 1000).toFixed(1)} kB of ${limitKb} kB budget: ${verdict}`);
if (total > limitKb * 1000) process.exit(1);
