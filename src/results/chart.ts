/** Pure part of the emotion-over-time chart: which results fall in the window, and where. */
import { argmax } from './postprocess';
import type { UtteranceResult } from './types';

/** Seconds of session the chart shows. */
export const CHART_WINDOW_S = 180;

export interface ChartPoint {
  id: string;
  /** 0 (window start) .. 1 (now), at the utterance's arrival. */
  x: number;
  probabilities: readonly number[];
  top: number;
  uncertain: boolean;
}

/** Results that arrived in the `windowS` seconds up to `nowMs`, oldest first. */
export function chartPoints(results: readonly UtteranceResult[], nowMs: number, windowS = CHART_WINDOW_S): ChartPoint[] {
  const from = nowMs - windowS * 1000;
  return results
    .filter((r) => r.at >= from && r.at <= nowMs)
    .sort((a, b) => a.at - b.at)
    .map((r) => ({ id: r.id, x: (r.at - from) / (windowS * 1000), probabilities: r.probabilities, top: argmax(r.probabilities), uncertain: r.uncertain === true }));
}
