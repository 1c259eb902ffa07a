/**
 * Pure helpers for showing and exporting an utterance's attention curve (CorrAP's weights over
 * time, binned by the inference worker: src/model/attention.ts). Times are seconds from the
 * utterance's start.
 */
import type { AttentionCurve } from './types';

/** Length of the highlighted "most-attended stretch" (about a syllable or two). */
export const PEAK_STRETCH_S = 0.5;

/** Bin `b`'s span in seconds from the utterance's start. */
export function binSpan(a: AttentionCurve, b: number): { startS: number; endS: number } {
  const first = b * a.framesPerBin;
  return { startS: first * a.frameS, endS: Math.min(first + a.framesPerBin, a.frames) * a.frameS };
}

/** Weight per second of each bin (a shorter last bin is not drawn lower for being short). */
export function densities(a: AttentionCurve): number[] {
  return a.weights.map((w, b) => {
    const { startS, endS } = binSpan(a, b);
    return endS > startS ? w / (endS - startS) : 0;
  });
}

/** The most-attended stretch: the run of whole bins about `lengthS` long holding the most weight. */
export interface PeakStretch {
  startS: number;
  endS: number;
  /** Share of the total weight inside it, 0..1. */
  share: number;
}

export function peakStretch(a: AttentionCurve, lengthS = PEAK_STRETCH_S): PeakStretch {
  const n = a.weights.length;
  const binS = a.framesPerBin * a.frameS;
  const width = Math.min(n, Math.max(1, Math.round(lengthS / binS)));
  let sum = 0;
  for (let b = 0; b < width; b++) sum += a.weights[b];
  let best = sum;
  let bestStart = 0;
  for (let b = width; b < n; b++) {
    sum += a.weights[b] - a.weights[b - width];
    if (sum > best + 1e-12) [best, bestStart] = [sum, b - width + 1];
  }
  return { startS: binSpan(a, bestStart).startS, endS: binSpan(a, bestStart + width - 1).endS, share: best };
}

/** Min and max sample per column: a waveform outline `columns` wide. */
export function envelope(audio: Float32Array, columns: number): { min: Float32Array; max: Float32Array } {
  const min = new Float32Array(columns);
  const max = new Float32Array(columns);
  for (let c = 0; c < columns; c++) {
    const from = Math.floor((c * audio.length) / columns);
    const to = Math.max(from + 1, Math.floor(((c + 1) * audio.length) / columns));
    let lo = 0;
    let hi = 0;
    for (let i = from; i < to && i < audio.length; i++) {
      const v = audio[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    min[c] = lo;
    max[c] = hi;
  }
  return { min, max };
}

/** The curve in JSON exports: seconds per bin, frame count and the binned weights. */
export function attentionJSON(a: AttentionCurve): { bin_s: number; frames: number; weights: number[] } {
  const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
  return { bin_s: round6(a.framesPerBin * a.frameS), frames: a.frames, weights: a.weights.map(round6) };
}
