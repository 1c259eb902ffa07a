/**
 * CorrAP's attention over time (manifest `head.attention`): the head's weight per upstream
 * frame, binned to at most {@link MAX_ATTENTION_POINTS} points for results, events and exports.
 */

/** At most this many points per utterance (a 15-s utterance has ~750 frames at a 20-ms hop). */
export const MAX_ATTENTION_POINTS = 100;

/** An utterance's attention, binned. Bin b covers frames [b·framesPerBin, min((b+1)·framesPerBin, frames)). */
export interface AttentionCurve {
  /** Share of the head's total weight falling in each bin, oldest first; sums to 1 (within float error). */
  weights: number[];
  /** Upstream frames per bin; the last bin may hold fewer. */
  framesPerBin: number;
  /** Upstream frames the head weighted (T). */
  frames: number;
  /** Seconds per upstream frame (upstream.downsample_rate / sample rate). */
  frameS: number;
}

/**
 * Bins per-frame weights [T] into at most `maxPoints` bins of equal frame count (the last may be
 * shorter) by summing them: each point is the share of the weight in its stretch, so the points
 * still sum to 1 (a mean per bin would not, and a max would not be a distribution at all).
 */
export function binAttention(frameWeights: ArrayLike<number>, frameS: number, maxPoints = MAX_ATTENTION_POINTS): AttentionCurve {
  const frames = frameWeights.length;
  if (frames === 0) throw new RangeError('attention has no frames');
  if (!(maxPoints >= 1)) throw new RangeError(`maxPoints must be >= 1, not ${maxPoints}`);
  const framesPerBin = Math.ceil(frames / Math.floor(maxPoints));
  const weights = new Array<number>(Math.ceil(frames / framesPerBin)).fill(0);
  for (let t = 0; t < frames; t++) weights[Math.floor(t / framesPerBin)] += frameWeights[t];
  return { weights, framesPerBin, frames, frameS };
}
