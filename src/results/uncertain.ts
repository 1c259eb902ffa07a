/**
 * The one place that decides whether a result is "uncertain": its top probability is below
 * the model's threshold (manifest `evaluation.uncertain_below`, chosen from held-out
 * calibration). A model without a threshold marks nothing.
 */
export function isUncertain(probabilities: ArrayLike<number>, uncertainBelow: number | undefined): boolean {
  if (uncertainBelow === undefined || !Number.isFinite(uncertainBelow) || probabilities.length === 0) return false;
  let top = -Infinity;
  for (let i = 0; i < probabilities.length; i++) top = Math.max(top, probabilities[i]);
  return top < uncertainBelow;
}
