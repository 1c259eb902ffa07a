/** Pure maths of a file's timeline: scale, segment boxes, time ticks, keyboard moves, scrolling. */

/** Smallest size of anything one taps (WCAG 2.2 target size), in CSS px. */
export const MIN_TARGET_PX = 24;
/** Width the starting scale gives a typical utterance: room for a short label. */
export const DEFAULT_SEGMENT_PX = 44;
/** Most pixels per second (zoomed all the way in). */
export const MAX_PX_PER_S = 320;

/** Pixels per second that show the whole file in `viewportPx`. */
export function fitScale(durationS: number, viewportPx: number): number {
  return Math.max(1e-6, viewportPx) / Math.max(1e-3, durationS);
}

/**
 * Starting scale: the whole file when its typical (median) utterance is then at least
 * {@link DEFAULT_SEGMENT_PX} wide, else zoomed in until it is (the timeline scrolls).
 */
export function defaultScale(durationS: number, viewportPx: number, utteranceS: readonly number[]): number {
  const fit = fitScale(durationS, viewportPx);
  if (utteranceS.length === 0) return fit;
  const sorted = [...utteranceS].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  return clampScale(Math.max(fit, DEFAULT_SEGMENT_PX / Math.max(0.05, median)), durationS, viewportPx);
}

/** Keeps a scale between "whole file visible" and {@link MAX_PX_PER_S}. */
export function clampScale(pxPerS: number, durationS: number, viewportPx: number): number {
  const fit = fitScale(durationS, viewportPx);
  return Math.min(Math.max(pxPerS, fit), Math.max(fit, MAX_PX_PER_S));
}

/** Left and width in px of an utterance; never narrower than a tap target. */
export function segmentBox(startS: number, endS: number, pxPerS: number): { left: number; width: number } {
  return { left: startS * pxPerS, width: Math.max(MIN_TARGET_PX, (endS - startS) * pxPerS) };
}

const STEPS = [0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];

/**
 * Tick times for the axis: the smallest "nice" step whose ticks are at least `minGapPx`
 * apart, and at most `maxTicks` of them (a 2-hour file stays a few hundred elements).
 */
export function timeTicks(durationS: number, pxPerS: number, minGapPx = 64, maxTicks = 400): number[] {
  const step = STEPS.find((s) => s * pxPerS >= minGapPx && durationS / s <= maxTicks) ?? STEPS[STEPS.length - 1];
  const ticks: number[] = [];
  for (let t = 0; t <= durationS + 1e-9; t += step) ticks.push(Math.round(t * 1000) / 1000);
  return ticks;
}

/** Axis label: s.s under 10 s steps, else m:ss. */
export function tickLabel(t: number): string {
  const m = Math.floor(t / 60);
  const s = t - m * 60;
  return `${m}:${(Number.isInteger(s) ? String(s) : s.toFixed(1)).padStart(Number.isInteger(s) ? 2 : 4, '0')}`;
}

/** Where a key moves the selection among `count` utterances (current -1: none yet); null: not a move key. */
export function keyMove(key: string, current: number, count: number): number | null {
  if (count === 0) return null;
  switch (key) {
    case 'ArrowRight':
    case 'ArrowDown':
      return current < 0 ? 0 : Math.min(count - 1, current + 1);
    case 'ArrowLeft':
    case 'ArrowUp':
      return current < 0 ? 0 : Math.max(0, current - 1);
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return null;
  }
}

/** The scroll position that shows [left, left + width) with a margin; unchanged when already visible. */
export function scrollToShow(left: number, width: number, scrollLeft: number, viewportPx: number, margin = 32): number {
  if (left - margin < scrollLeft) return Math.max(0, left - margin);
  if (left + width + margin > scrollLeft + viewportPx) return Math.max(0, left + width + margin - viewportPx);
  return scrollLeft;
}
