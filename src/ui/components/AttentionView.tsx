import { SAMPLE_RATE } from '../../env';
import { densities, envelope, peakStretch, binSpan } from '../../results/attention';
import { formatTime } from '../../results/postprocess';
import type { UtteranceResult } from '../../results/types';
import { useAppState, useController } from '../context';

/** Drawing size in SVG units (scaled to the panel's width). */
const W = 600;
const H = 90;
const COLUMNS = 300;

const s2 = (x: number) => x.toFixed(2);

/** The view's own styles, so the embed (which leaves the view out) does not carry them. */
const CSS = `.ser-app .attention-head { display: flex; align-items: baseline; gap: 6px 12px; flex-wrap: wrap; } .ser-app .attention-help, .ser-app .attention-summary { margin: 4px 0; font-size: 0.9em; } .ser-app .attention-plot { display: block; width: 100%; padding: 0; background: #f3f4f6; overflow: hidden; } .ser-app .attention-plot svg { display: block; width: 100%; height: 90px; } .ser-app .attention-wave { stroke: #6b7280; stroke-width: 1.2; fill: none; vector-effect: non-scaling-stroke; } .ser-app .attention-curve { stroke: var(--accent); stroke-width: 2; fill: rgba(31, 78, 121, 0.15); vector-effect: non-scaling-stroke; } .ser-app .attention-peak { fill: rgba(245, 158, 11, 0.35); }`;

/**
 * "Where it heard it": the selected (else the latest) utterance's waveform with the head's
 * attention over time drawn over it and the most-attended stretch highlighted; activating it
 * plays from that stretch. Hidden for models without attention (manifest `head.attention`).
 */
export function AttentionView() {
  const enabled = useAppState((s) => s.model?.attention === true);
  const selectedId = useAppState((s) => s.selectedId);
  const r = useAppState((s) => {
    const id = s.selectedId ?? s.currentId;
    return id ? s.results[id] : undefined;
  });
  const { playUtterance, selectUtterance, utteranceAudio } = useController();
  if (!enabled || !r?.attention) return null;
  const a = r.attention;
  const audio = utteranceAudio(r.id);
  const durationS = Math.max(audio ? audio.length / SAMPLE_RATE : r.endS - r.startS, a.frames * a.frameS, 1e-3);
  const peak = peakStretch(a);
  const summary = `most weight ${s2(peak.startS)}–${s2(peak.endS)} s into the utterance (${Math.round(peak.share * 100)} % of it)`;
  const x = (t: number) => (t / durationS) * W;
  return (
    <section className="panel attention" aria-label="Where it heard it" data-testid="attention-view" data-utterance-id={r.id}>
      <style>{CSS}</style>
      <div className="attention-head">
        <h2>Where it heard it</h2>
        <span className="muted">
          {selectedId ? 'selected' : 'latest'} utterance · {r.fileName ? `${r.fileName}, ` : ''}
          {formatTime(r.startS)}
        </span>
        {selectedId ? (
          <button type="button" onClick={() => selectUtterance(null)}>
            Show latest
          </button>
        ) : null}
      </div>
      <p className="muted attention-help" id="attention-help">
        How much each moment counted in the statistics the decision was made from — not proof of what caused it.
      </p>
      <button
        type="button"
        className="attention-plot"
        data-testid="attention-play"
        data-peak-start={peak.startS}
        data-peak-end={peak.endS}
        data-points={a.weights.length}
        aria-label={`Attention over the utterance: ${summary}. Play from ${s2(peak.startS)} s.`}
        aria-describedby="attention-help"
        onClick={() => playUtterance(r.id, peak.startS)}
      >
        <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label={`Attention: ${summary}`}>
          <rect className="attention-peak" x={x(peak.startS)} y={0} width={Math.max(1, x(peak.endS) - x(peak.startS))} height={H} />
          {audio ? <path className="attention-wave" d={wavePath(audio)} /> : null}
          <path className="attention-curve" d={curvePath(r, x)} />
        </svg>
      </button>
      <p className="attention-summary">
        Most weight {s2(peak.startS)}–{s2(peak.endS)} s ({Math.round(peak.share * 100)} %).{' '}
        <span className="muted">{audio ? 'Click to play from there.' : 'Its audio is no longer kept.'}</span>
      </p>
    </section>
  );
}

/** Vertical min-max strokes, one per column, around the middle line. */
function wavePath(audio: Float32Array): string {
  const { min, max } = envelope(audio, COLUMNS);
  let peak = 1e-6;
  for (let c = 0; c < COLUMNS; c++) peak = Math.max(peak, -min[c], max[c]);
  const y = (v: number) => H / 2 - (v / peak) * (H / 2 - 2);
  let d = '';
  for (let c = 0; c < COLUMNS; c++) {
    const px = ((c + 0.5) / COLUMNS) * W;
    d += `M${px.toFixed(1)} ${y(max[c]).toFixed(1)}V${Math.max(y(min[c]), y(max[c]) + 0.5).toFixed(1)}`;
  }
  return d;
}

/** A step outline of weight per second, scaled to the tallest bin. */
function curvePath(r: UtteranceResult, x: (t: number) => number): string {
  const a = r.attention!;
  const d = densities(a);
  // A flat curve (every frame counted alike) sits at half height instead of filling the plot.
  const top = Math.max(...d, 2 / (a.frames * a.frameS));
  let path = `M${x(0).toFixed(1)} ${H}`;
  d.forEach((v, b) => {
    const { startS, endS } = binSpan(a, b);
    const y = (H - 2 - (v / top) * (H - 6)).toFixed(1);
    path += `L${x(startS).toFixed(1)} ${y}L${x(endS).toFixed(1)} ${y}`;
  });
  const last = binSpan(a, d.length - 1).endS;
  return `${path}L${x(last).toFixed(1)} ${H}`;
}
