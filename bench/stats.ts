/** Small statistics for benchmark samples (pure). */

/** Median of `xs` (NaN when empty). */
export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

/** Linear-interpolated quantile q in [0, 1] (NaN when empty); p95 of few samples is near the max. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** Index of the largest value. */
export function argmax(xs: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[best]) best = i;
  return best;
}

/** Top-1 agreement and max |p - ref| over pairs of probability vectors. */
export function agreement(pairs: readonly { p: readonly number[]; ref: readonly number[] }[]): { top1: number; maxDiff: number; n: number } {
  let same = 0;
  let maxDiff = 0;
  for (const { p, ref } of pairs) {
    if (argmax(p) === argmax(ref)) same++;
    for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs(p[i] - ref[i]));
  }
  return { top1: pairs.length ? same / pairs.length : Number.NaN, maxDiff, n: pairs.length };
}
