/** Pure part of the emotion-over-time chart: the time window, which results fall in it, and where. */
import { argmax } from './postprocess';
import type { UtteranceResult } from './types';

/** Most seconds of session the chart shows. */
export const CHART_WINDOW_S = 180;
/** Fewest seconds it shows (a session's first utterances are not squeezed into one corner). */
export const CHART_MIN_WINDOW_S = 30;

export interface ChartPoint {
  id: string;
  /** 0 (window start) .. 1 (window end), at the utterance's arrival. */
  x: number;
  probabilities: readonly number[];
  top: number;
  uncertain: boolean;
}

/**
 * Seconds the chart spans, ending at `endMs`: the session so far (from its first result),
 * at least {@link CHART_MIN_WINDOW_S}, at most {@link CHART_WINDOW_S}.
 */
export function chartWindowS(results: readonly UtteranceResult[], endMs: number): number {
  const first = results.reduce((m, r) => Math.min(m, r.at), endMs);
  return Math.min(CHART_WINDOW_S, Math.max(CHART_MIN_WINDOW_S, Math.ceil((endMs - first) / 1000 / 10) * 10));
}

/** Axis marks for a window: seconds before its end. */
export function chartTicks(windowS: number): number[] {
  const step = windowS <= 60 ? 10 : windowS <= 120 ? 30 : 60;
  const ticks: number[] = [];
  for (let t = 0; t <= windowS + 1e-9; t += step) ticks.push(t);
  return ticks;
}

/** Results that arrived in the `windowS` seconds up to `endMs`, oldest first. */
export function chartPoints(results: readonly UtteranceResult[], endMs: number, windowS = CHART_WINDOW_S): ChartPoint[] {
  const from = endMs - windowS * 1000;
  return results
    .filter((r) => r.at >= from && r.at <= endMs)
    .sort((a, b) => a.at - b.at)
    .map((r) => ({ id: r.id, x: (r.at - from) / (windowS * 1000), probabilities: r.probabilities, top: argmax(r.probabilities), uncertain: r.uncertain === true }));
}
