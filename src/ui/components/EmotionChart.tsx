import { useEffect, useState } from 'react';
import { CHART_WINDOW_S, chartPoints, chartTicks, chartWindowS, type ChartPoint } from '../../results/chart';
import { labelColor } from '../../results/palette';
import { percent } from '../../results/postprocess';
import type { UtteranceResult } from '../../results/types';
import { useAppState } from '../context';

/** Drawing size in SVG units (scaled to the panel's width). */
const W = 360;
const H = 150;
const PAD = { left: 34, right: 10, top: 8, bottom: 20 };

/** The view's own styles, so the embed (which leaves the view out) does not carry them. */
const CSS = `.ser-app .chart svg { display: block; width: 100%; height: auto; } .ser-app .chart-grid { stroke: #e5e7eb; stroke-width: 1; vector-effect: non-scaling-stroke; } .ser-app .chart-axis { font-size: 11px; fill: #4b5563; } .ser-app .chart-line { fill: none; stroke-width: 2; vector-effect: non-scaling-stroke; } .ser-app .chart-top.uncertain { fill: #fff; stroke-dasharray: 2 2; } .ser-app .chart-legend { display: flex; flex-wrap: wrap; gap: 2px 10px; list-style: none; margin: 4px 0 0; padding: 0; font-size: 0.85em; } .ser-app .chart-legend li { display: inline-flex; align-items: center; gap: 4px; } .ser-app .chart-legend .swatch { display: inline-block; width: 12px; height: 12px; border-radius: 6px; } .ser-app .chart-legend .hollow { background: #fff !important; border: 2px dashed #6b7280; }`;

/** Listening: the chart's right edge follows the clock, so it scrolls while nobody speaks. */
function useNow(ticking: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [ticking]);
  return now;
}

/**
 * Emotion over time for the microphone session: each label's probability per utterance over
 * the last {@link CHART_WINDOW_S} seconds, the winner drawn large (hollow and dashed when
 * uncertain). Page-only (the embed leaves it out, like the attention view).
 */
export function EmotionChart() {
  const listening = useAppState((s) => s.live.mic === 'listening');
  const order = useAppState((s) => s.order);
  const results = useAppState((s) => s.results);
  const modelLabels = useAppState((s) => s.model?.labels);
  const now = useNow(listening);
  const mic = order.map((id) => results[id]).filter((r): r is UtteranceResult => r !== undefined && r.source === 'mic');
  const latest = mic.length ? mic[mic.length - 1].at : now;
  const edge = listening ? Math.max(now, latest) : latest;
  const windowS = chartWindowS(mic, edge);
  const points = chartPoints(mic, edge, windowS);
  const labels = points.length ? mic[mic.length - 1].labels : (modelLabels ?? []);
  const x = (f: number) => PAD.left + f * (W - PAD.left - PAD.right);
  const y = (p: number) => PAD.top + (1 - p) * (H - PAD.top - PAD.bottom);
  return (
    <section className="panel chart" aria-label="Emotion over time" data-testid="emotion-chart" data-points={points.length}>
      <style>{CSS}</style>
      <h2>Emotion over time</h2>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary(points, labels)} data-window-s={windowS}>
        {[0, 0.5, 1].map((p) => (
          <g key={p}>
            <line className="chart-grid" x1={PAD.left} x2={W - PAD.right} y1={y(p)} y2={y(p)} />
            <text className="chart-axis" x={PAD.left - 4} y={y(p) + 4} textAnchor="end">
              {p * 100}%
            </text>
          </g>
        ))}
        {chartTicks(windowS).map((t) => (
          <text key={t} className="chart-axis" x={x(1 - t / windowS)} y={H - 4} textAnchor={t === 0 ? 'end' : t === windowS ? 'start' : 'middle'}>
            {t === 0 ? (listening ? 'now' : 'last') : t % 60 === 0 ? `−${t / 60} min` : `−${t} s`}
          </text>
        ))}
        {labels.map((label, i) =>
          points.length > 1 ? (
            <polyline
              key={label}
              className="chart-line"
              data-label={label}
              stroke={labelColor(label, i)}
              points={points.map((pt) => `${x(pt.x).toFixed(1)},${y(pt.probabilities[i] ?? 0).toFixed(1)}`).join(' ')}
            />
          ) : null,
        )}
        {points.map((pt) => {
          const label = labels[pt.top] ?? '';
          const color = labelColor(label, pt.top);
          return (
            <circle
              key={pt.id}
              className={pt.uncertain ? 'chart-top uncertain' : 'chart-top'}
              data-utterance-id={pt.id}
              cx={x(pt.x)}
              cy={y(pt.probabilities[pt.top])}
              r={5}
              fill={color}
              stroke={color}
              strokeWidth={2}
            >
              <title>{`${label} ${percent(pt.probabilities[pt.top])}${pt.uncertain ? ', uncertain' : ''}`}</title>
            </circle>
          );
        })}
      </svg>
      {points.length === 0 ? <p className="muted">Press Listen: each utterance adds a point here (up to the last {CHART_WINDOW_S / 60} minutes).</p> : null}
      <ul className="chart-legend" aria-hidden="true">
        {labels.map((label, i) => (
          <li key={label}>
            <span className="swatch" style={{ background: labelColor(label, i) }} />
            {label}
          </li>
        ))}
        <li>
          <span className="swatch hollow" />
          uncertain
        </li>
      </ul>
    </section>
  );
}

/** What the chart shows, in words. */
function summary(points: readonly ChartPoint[], labels: readonly string[]): string {
  if (points.length === 0) return `Emotion over time: no utterances in the last ${CHART_WINDOW_S / 60} minutes.`;
  const counts = new Map<string, number>();
  for (const p of points) counts.set(labels[p.top], (counts.get(labels[p.top]) ?? 0) + 1);
  const [most, n] = [...counts].sort((a, b) => b[1] - a[1])[0];
  const last = points[points.length - 1];
  const uncertain = points.filter((p) => p.uncertain).length;
  return (
    `Emotion over time: ${points.length} utterance(s) in the last ${CHART_WINDOW_S / 60} minutes at most; ` +
    `latest ${labels[last.top]} ${percent(last.probabilities[last.top])}; most often ${most} (${n})` +
    (uncertain ? `; ${uncertain} uncertain.` : '.')
  );
}
