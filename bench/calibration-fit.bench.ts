/**
 * Time of the "Tune to my voice" refit (src/calibration/fit.ts, the default model's recipe) on random features, in V8
 * (the same engine as the page's worker): the target (32 examples of dim 512 in
 * under a second) and the widest head we ship (CorrAP: 32,640 values, 7 classes, 8 examples
 * per class). Run: nice npx vitest run -c bench/vitest.calibration.config.ts
 * Writes bench/results/<date>-calibration-fit.json (medians of 5 runs, machine and load); asserts nothing.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'vitest';
import { fitLayer, type FitRecipe } from '../src/calibration/fit.ts';

function time(classes: number, dim: number, n: number, recipe: FitRecipe): number {
  let seed = 1;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  const x = Float32Array.from({ length: n * dim }, rnd);
  const y = Int32Array.from({ length: n }, (_, i) => i % classes);
  const start = { classes, dim, w: Float64Array.from({ length: classes * dim }, rnd), b: new Float64Array(classes) };
  fitLayer(start, { x, y }, { ...recipe, steps: 2 }); // warm-up (JIT)
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    fitLayer(start, { x, y }, recipe);
    runs.push(performance.now() - t0);
  }
  return runs.sort((a, b) => a - b)[2];
}

// The shipped default's recipe (its manifest's `calibration`), so the numbers are the page's.
const shipped = (JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'public', 'models', 'default', 'manifest.json'), 'utf8')) as { calibration: { l2: number; steps: number; lr: number } }).calibration;
const recipe: FitRecipe = { method: 'linear', l2: shipped.l2, steps: shipped.steps, lr: shipped.lr };
test('calibration fit timings', () => {
  const cases = ([
    ['linear', 4, 512, 32],
    ['linear', 7, 512, 56],
    ['linear', 7, 32_640, 56],
    ['bias', 7, 32_640, 56],
  ] as const).map(([method, classes, dim, examples]) => {
    const median_ms = Math.round(time(classes, dim, examples, { ...recipe, method }) * 10) / 10;
    console.log(`${method}, ${recipe.steps} steps, ${examples} examples x ${dim} values, ${classes} classes: median ${median_ms} ms`);
    return { method, steps: recipe.steps, l2: recipe.l2, classes, dim, examples, median_ms };
  });
  const date = new Date().toISOString().slice(0, 10);
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results', `${date}-calibration-fit.json`);
  mkdirSync(dirname(out), { recursive: true });
  const machine = { node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, load_average_1m: Math.round(loadavg()[0] * 10) / 10 };
  writeFileSync(out, `${JSON.stringify({ what: 'src/calibration/fit.ts fitLayer in Node (V8, the engine of the page worker), median of 5 runs after a warm-up', date, machine, target: '32 examples in under 1000 ms', cases }, null, 2)}\n`);
  console.log(`wrote ${out}`);
});
