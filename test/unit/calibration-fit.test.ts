/**
 * The TypeScript calibration fit matches the Python reference (training/calibration.py) on the
 * same features: test/fixtures/calibration/parity.json, written by make_calibration_parity.py.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { classWeights, fitLayer, parseClassifier, predictLayer } from '../../src/calibration/fit';

interface ParityCase {
  name: string;
  classes: number;
  dim: number;
  recipe: { method: 'bias' | 'linear'; l2: number; steps: number; lr: number };
  w0: number[];
  b0: number[];
  x: number[];
  y: number[];
  w: number[];
  b: number[];
  probe: number[];
  probe_probabilities: number[];
}

const fixture = JSON.parse(readFileSync(resolve(__dirname, '../fixtures/calibration/parity.json'), 'utf8')) as { cases: ParityCase[] };

/** Largest |a - b| / max(|b|, 1e-3): relative where values are not tiny. */
function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1e-3));
  return m;
}

describe('calibration fit: parity with training/calibration.py', () => {
  test.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const start = { classes: c.classes, dim: c.dim, w: Float64Array.from(c.w0), b: Float64Array.from(c.b0) };
    const out = fitLayer(start, { x: c.x, y: c.y }, c.recipe);
    expect(maxRelDiff(out.w, c.w)).toBeLessThan(1e-9);
    expect(maxRelDiff(out.b, c.b)).toBeLessThan(1e-9);
    // The fit moved: a test that passes with the starting weights would prove nothing.
    expect(maxRelDiff(start.b, c.b)).toBeGreaterThan(1e-3);
    if (c.recipe.method === 'bias') expect(Array.from(out.w)).toEqual(c.w0);
    else expect(maxRelDiff(start.w, c.w)).toBeGreaterThan(1e-3);
    for (let i = 0; i < c.probe.length / c.dim; i++) {
      const p = predictLayer(out, c.probe.slice(i * c.dim, (i + 1) * c.dim));
      expect(maxRelDiff(p, c.probe_probabilities.slice(i * c.classes, (i + 1) * c.classes))).toBeLessThan(1e-9);
    }
    // The start layer is not modified.
    expect(Array.from(start.w)).toEqual(c.w0);
  });

  test('class weights balance the classes present', () => {
    const a = classWeights([0, 0, 0, 2]);
    expect(a.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    expect(a[0] * 3).toBeCloseTo(a[3], 12);
  });

  test('bad shapes and labels are refused', () => {
    const start = { classes: 2, dim: 3, w: new Float64Array(6), b: new Float64Array(2) };
    const recipe = { method: 'linear', l2: 1, steps: 1, lr: 1 } as const;
    expect(() => fitLayer(start, { x: [1, 2], y: [0] }, recipe)).toThrow(RangeError);
    expect(() => fitLayer(start, { x: [1, 2, 3], y: [2] }, recipe)).toThrow(/class index/);
    expect(() => fitLayer(start, { x: [], y: [] }, recipe)).toThrow(RangeError);
  });

  test('classifier file: float32 LE W then b', () => {
    const f = new Float32Array([1, 2, 3, 4, 5, 6, 0.5, -0.5]);
    const layer = parseClassifier(new Uint8Array(f.buffer), 2, 3);
    expect(Array.from(layer.w)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(layer.b)).toEqual([0.5, -0.5]);
    expect(() => parseClassifier(new Uint8Array(f.buffer), 2, 4)).toThrow(/bytes/);
  });
});
