/**
 * Few-shot personal calibration: refits a head's final linear layer (or its bias) on a few
 * labelled pooled vectors of one user, pulled toward the shipped layer. An exact port of
 * training/calibration.py (float64, same steps in the same order), checked against it by
 * test/unit/calibration-fit.test.ts on a fixture the Python reference writes.
 */

/** The recipe (manifest `calibration`, minus `min_per_class`). */
export interface FitRecipe {
  method: 'bias' | 'linear';
  l2: number;
  steps: number;
  lr: number;
}

/** A linear layer: W [classes, dim] row-major, b [classes]; probabilities = softmax(W x + b). */
export interface LinearLayer {
  classes: number;
  dim: number;
  w: Float64Array;
  b: Float64Array;
}

/** Labelled pooled vectors: x [n, dim] row-major, y [n] class indices. */
export interface Examples {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}

/** Row-wise softmax of logits [n, c] in place (max subtracted, as numpy does). */
function softmaxRows(z: Float64Array, n: number, c: number): void {
  for (let i = 0; i < n; i++) {
    const o = i * c;
    let m = -Infinity;
    for (let k = 0; k < c; k++) if (z[o + k] > m) m = z[o + k];
    let s = 0;
    for (let k = 0; k < c; k++) {
      z[o + k] = Math.exp(z[o + k] - m);
      s += z[o + k];
    }
    for (let k = 0; k < c; k++) z[o + k] /= s;
  }
}

/** a_i = 1 / (K n_{y_i}), K the classes present: every class present counts the same. */
export function classWeights(y: ArrayLike<number>): Float64Array {
  const counts = new Map<number, number>();
  for (let i = 0; i < y.length; i++) counts.set(y[i], (counts.get(y[i]) ?? 0) + 1);
  const a = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) a[i] = 1 / (counts.size * (counts.get(y[i]) as number));
  return a;
}

/** Logits W x_i + b for every row of x [n, dim] -> [n, classes]. */
function logits(layer: LinearLayer, x: ArrayLike<number>, n: number, out: Float64Array): void {
  const { classes: c, dim: p, w, b } = layer;
  for (let i = 0; i < n; i++) {
    const xo = i * p;
    for (let k = 0; k < c; k++) {
      const wo = k * p;
      let s = 0;
      for (let j = 0; j < p; j++) s += x[xo + j] * w[wo + j];
      out[i * c + k] = s + b[k];
    }
  }
}

/**
 * Minimises sum_i a_i CE(softmax(W x_i + b), y_i) + l2/2 (|W-W0|^2 + |b-b0|^2) by `steps`
 * full-batch gradient steps of size lr / (0.5 max_i(|x_i|^2 + 1) + l2) from (W0, b0).
 * Throws RangeError on shapes that do not fit or labels outside [0, classes).
 */
export function fitLayer(start: LinearLayer, examples: Examples, recipe: FitRecipe): LinearLayer {
  if (recipe.method !== 'bias' && recipe.method !== 'linear') throw new RangeError(`unknown calibration method ${JSON.stringify(recipe.method)}`);
  const { classes: c, dim: p } = start;
  const n = examples.y.length;
  if (n === 0 || examples.x.length !== n * p || start.w.length !== c * p || start.b.length !== c) {
    throw new RangeError(`features [${examples.x.length / p}, ${p}] and labels [${n}] do not fit W [${c}, ${p}]`);
  }
  for (let i = 0; i < n; i++) {
    const yi = examples.y[i];
    if (!Number.isInteger(yi) || yi < 0 || yi >= c) throw new RangeError(`label ${yi} is not a class index in [0, ${c})`);
  }
  const { x, y } = examples;
  let maxNorm = -Infinity;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < p; j++) s += x[i * p + j] * x[i * p + j];
    if (s + 1 > maxNorm) maxNorm = s + 1;
  }
  const step = recipe.lr / (0.5 * maxNorm + recipe.l2);
  const a = classWeights(y);
  return n < p ? fitDual(start, x, y, a, n, step, recipe) : fitPrimal(start, x, y, a, n, step, recipe);
}

/** g <- (softmax(z) - onehot(y)) * a, row by row: dJ/dlogits [n, c]. */
function logitGradient(g: Float64Array, y: ArrayLike<number>, a: Float64Array, n: number, c: number): void {
  softmaxRows(g, n, c);
  for (let i = 0; i < n; i++) {
    g[i * c + y[i]] -= 1;
    for (let k = 0; k < c; k++) g[i * c + k] *= a[i];
  }
}

/** gb = sum_i g_i + l2 (b - b0); then b -= step gb. */
function stepBias(b: Float64Array, b0: Float64Array, g: Float64Array, n: number, c: number, step: number, l2: number): void {
  for (let k = 0; k < c; k++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += g[i * c + k];
    b[k] -= step * (s + l2 * (b[k] - b0[k]));
  }
}

/**
 * The reference's steps as written: W and b updated in place, O(n c p) per step. Used when
 * there are at least as many examples as features.
 */
function fitPrimal(start: LinearLayer, x: ArrayLike<number>, y: ArrayLike<number>, a: Float64Array, n: number, step: number, recipe: FitRecipe): LinearLayer {
  const { classes: c, dim: p } = start;
  const cur: LinearLayer = { classes: c, dim: p, w: Float64Array.from(start.w), b: Float64Array.from(start.b) };
  const g = new Float64Array(n * c);
  const gw = new Float64Array(c * p);
  for (let t = 0; t < recipe.steps; t++) {
    logits(cur, x, n, g);
    logitGradient(g, y, a, n, c);
    if (recipe.method === 'linear') {
      // gw = g^T x + l2 (W - W0), from the current W (numpy takes both gradients first).
      for (let q = 0; q < gw.length; q++) gw[q] = recipe.l2 * (cur.w[q] - start.w[q]);
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < c; k++) {
          const gik = g[i * c + k];
          const wo = k * p;
          const xo = i * p;
          for (let j = 0; j < p; j++) gw[wo + j] += gik * x[xo + j];
        }
      }
      for (let q = 0; q < gw.length; q++) cur.w[q] -= step * gw[q];
    }
    stepBias(cur.b, start.b, g, n, c, step, recipe.l2);
  }
  return cur;
}

/**
 * The same iterates in the examples' span (few examples of wide features, e.g. CorrAP's
 * 32,640): every step moves W by a combination of the x_i, so W_t = W0 + A_t^T X with
 * A_{t+1} = (1 - step l2) A_t - step g_t, and the logits are X W0^T + (X X^T) A_t + b_t.
 * O(n^2 c) per step after one O(n p (n + c)) pass, instead of O(n c p) per step. Equal to
 * the plain steps up to rounding.
 */
function fitDual(start: LinearLayer, x: ArrayLike<number>, y: ArrayLike<number>, a: Float64Array, n: number, step: number, recipe: FitRecipe): LinearLayer {
  const { classes: c, dim: p } = start;
  const base = new Float64Array(n * c); // X W0^T
  logits({ ...start, b: new Float64Array(c) }, x, n, base);
  const linear = recipe.method === 'linear';
  const gram = new Float64Array(linear ? n * n : 0);
  if (linear) {
    for (let i = 0; i < n; i++) {
      for (let m = 0; m <= i; m++) {
        let s = 0;
        for (let j = 0; j < p; j++) s += x[i * p + j] * x[m * p + j];
        gram[i * n + m] = s;
        gram[m * n + i] = s;
      }
    }
  }
  const coef = new Float64Array(n * c); // A
  const b = Float64Array.from(start.b);
  const g = new Float64Array(n * c);
  const shrink = 1 - step * recipe.l2;
  for (let t = 0; t < recipe.steps; t++) {
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < c; k++) {
        let s = base[i * c + k] + b[k];
        if (linear) for (let m = 0; m < n; m++) s += gram[i * n + m] * coef[m * c + k];
        g[i * c + k] = s;
      }
    }
    logitGradient(g, y, a, n, c);
    if (linear) for (let q = 0; q < coef.length; q++) coef[q] = shrink * coef[q] - step * g[q];
    stepBias(b, start.b, g, n, c, step, recipe.l2);
  }
  const w = Float64Array.from(start.w);
  if (linear) {
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < c; k++) {
        const aik = coef[i * c + k];
        for (let j = 0; j < p; j++) w[k * p + j] += aik * x[i * p + j];
      }
    }
  }
  return { classes: c, dim: p, w, b };
}

/** Probabilities softmax(W x + b) of one pooled vector [dim]. */
export function predictLayer(layer: LinearLayer, x: ArrayLike<number>): Float64Array {
  if (x.length !== layer.dim) throw new RangeError(`pooled vector has ${x.length} values; the layer reads ${layer.dim}`);
  const z = new Float64Array(layer.classes);
  logits(layer, x, 1, z);
  softmaxRows(z, 1, layer.classes);
  return z;
}

/**
 * Reads a classifier file: float32 little-endian W [classes, dim] row-major, then b [classes].
 * Throws RangeError when the byte count does not match.
 */
export function parseClassifier(bytes: Uint8Array, classes: number, dim: number): LinearLayer {
  const want = 4 * (classes * dim + classes);
  if (bytes.byteLength !== want) throw new RangeError(`classifier file has ${bytes.byteLength} bytes; W [${classes}, ${dim}] + b [${classes}] in float32 need ${want}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const w = new Float64Array(classes * dim);
  const b = new Float64Array(classes);
  for (let i = 0; i < w.length; i++) w[i] = view.getFloat32(4 * i, true);
  for (let k = 0; k < classes; k++) b[k] = view.getFloat32(4 * (w.length + k), true);
  return { classes, dim, w, b };
}
