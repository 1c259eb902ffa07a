/**
 * Time of the "Tune to my voice" refit (src/calibration/fit.ts) on random features, in V8
 * (the same engine as the page's worker): the target (32 examples of dim 512 in
 * under a second) and the widest head we ship (CorrAP: 32,640 values, 7 classes, 8 examples
 * per class). Run: nice npx vitest run -c bench/vitest.calibration.config.ts (prints medians; asserts nothing)
 */
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

const recipe: FitRecipe = { method: 'linear', l2: 1, steps: 100, lr: 1 };
test('calibration fit timings', () => {
for (const [classes, dim, n] of [
  [4, 512, 32],
  [7, 512, 56],
  [7, 32_640, 56],
] as const) {
  console.log(`linear, ${recipe.steps} steps, ${n} examples x ${dim} values, ${classes} classes: median ${time(classes, dim, n, recipe).toFixed(1)} ms`);
}
console.log(`bias only, 56 x 32640, 7 classes: median ${time(7, 32_640, 56, { ...recipe, method: 'bias' }).toFixed(1)} ms`);
});
