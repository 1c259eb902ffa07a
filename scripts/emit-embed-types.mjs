#!/usr/bin/env node
/**
 * Writes <outDir>/emotion-recognizer.d.ts: the declaration emit of src/embed/types.ts,
 * which is self-contained by design (public types + declarations of the bundle's exports).
 * Usage: node scripts/emit-embed-types.mjs [outDir=dist]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '..');
const outDir = resolve(process.argv[2] ?? join(repo, 'dist'));
const tmp = mkdtempSync(join(tmpdir(), 'embed-dts-'));
try {
  const tsc = join(repo, 'node_modules/.bin/tsc');
  execFileSync(
    tsc,
    ['--ignoreConfig', '--declaration', '--emitDeclarationOnly', '--strict', '--target', 'es2022', '--lib', 'es2023,dom', '--types', '', '--outDir', tmp, join(repo, 'src/embed/types.ts')],
    { stdio: 'inherit' },
  );
  const dts = readFileSync(join(tmp, 'types.d.ts'), 'utf8');
  if (/^\s*import\s/m.test(dts)) throw new Error('src/embed/types.ts must stay self-contained (no imports)');
  mkdirSync(outDir, { recursive: true });
  const header = '// Types of emotion-recognizer.js (generated from src/embed/types.ts by scripts/emit-embed-types.mjs).\n';
  writeFileSync(join(outDir, 'emotion-recognizer.d.ts'), header + dts);
  console.log(`wrote ${join(outDir, 'emotion-recognizer.d.ts')}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
