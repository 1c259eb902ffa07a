/**
 * The shipped emotion-recognizer.d.ts: declaration emit of src/embed/types.ts. Checks that
 * its value declarations match the implementation (at type level, via tsc --noEmit of this
 * file) and that the emitted file alone types a host's code, rejecting misuse.
 */
import { describe, expect, expectTypeOf, test } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type * as Impl from '../../src/embed/index';
import type * as Declared from '../../src/embed/types';

const REPO = resolve(__dirname, '../..');

describe('declared exports match the implementation', () => {
  test('createRecognizer, defineEmotionRecognizer, the element and the error class', () => {
    expectTypeOf<typeof Impl.createRecognizer>().toEqualTypeOf<typeof Declared.createRecognizer>();
    expectTypeOf<typeof Impl.defineEmotionRecognizer>().toEqualTypeOf<typeof Declared.defineEmotionRecognizer>();
    expectTypeOf<InstanceType<typeof Impl.EmotionRecognizerElement>>().toExtend<Declared.EmotionRecognizerElement>();
    expectTypeOf<InstanceType<typeof Impl.RecognizerError>['code']>().toEqualTypeOf<Declared.RecognizerErrorCode>();
    expectTypeOf<ConstructorParameters<typeof Impl.RecognizerError>>().toEqualTypeOf<ConstructorParameters<typeof Declared.RecognizerError>>();
  });
});

const HOST_OK = `
import { createRecognizer, type UtteranceEvent } from './emotion-recognizer.js';
const r = await createRecognizer({ modelUrl: 'https://cdn.example/m/manifest.json', backend: 'wasm', listeners: { backend: (b) => b.variant.toUpperCase() } });
const off = r.on('utterance', (e: UtteranceEvent) => e.probabilities[0] + e.endS);
r.on('error', (e) => e.code === 'invalid-option');
await r.start();
r.stop();
const list: UtteranceEvent[] = await r.analyse(new Blob([]), 'a.wav');
off();
const el = document.createElement('emotion-recognizer');
el.addEventListener('provisional', (e) => e.detail.label.length);
el.addEventListener('calibration', (e) => e.detail.counts[0] + e.detail.minPerClass);
const cal = r.calibration;
if (cal) {
  cal.arm('anger');
  cal.enabled = false;
  const text: string = cal.export();
  await cal.import(text);
  await cal.clear();
}
r.on('utterance', (e) => e.untunedProbabilities?.[0]);
export { list };
`;

const HOST_BAD = `
import { createRecognizer } from './emotion-recognizer.js';
const r = await createRecognizer({ backend: 'webgl' });
r.on('utterance', (e) => e.nope);
r.calibration.arm('anger');
`;

/** Type-checks host files against the emitted .d.ts in one tsc run; returns its output. */
function typecheck(dir: string, files: Record<string, string>): string {
  for (const [name, source] of Object.entries(files)) writeFileSync(join(dir, name), source);
  const args = ['--ignoreConfig', '--noEmit', '--strict', '--target', 'es2022', '--module', 'esnext', '--moduleResolution', 'bundler', '--lib', 'es2023,dom', '--types', ''];
  try {
    execFileSync(join(REPO, 'node_modules/.bin/tsc'), [...args, ...Object.keys(files).map((f) => join(dir, f))], { encoding: 'utf8' });
    return '';
  } catch (e) {
    return String((e as { stdout?: string }).stdout ?? e);
  }
}

test('the emitted .d.ts is self-contained and types host code', () => {
  const dir = mkdtempSync(join(tmpdir(), 'embed-types-'));
  try {
    execFileSync(process.execPath, [join(REPO, 'scripts/emit-embed-types.mjs'), dir], { stdio: 'pipe' });
    const dts = readFileSync(join(dir, 'emotion-recognizer.d.ts'), 'utf8');
    expect(dts).not.toMatch(/^\s*import\s/m);
    expect(dts).toContain('export declare const createRecognizer: CreateRecognizer;');
    const out = typecheck(dir, { 'host-ok.ts': HOST_OK, 'host-bad.ts': HOST_BAD });
    const lines = out.split('\n').filter((l) => /error TS/.test(l));
    expect(lines.filter((l) => l.includes('host-ok.ts'))).toEqual([]);
    const bad = lines.filter((l) => l.includes('host-bad.ts')).join('\n');
    expect(bad).toMatch(/"webgl"/);
    expect(bad).toMatch(/Property 'nope' does not exist on type 'UtteranceEvent'/);
    expect(bad).toMatch(/'r.calibration' is possibly 'null'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 30_000);
