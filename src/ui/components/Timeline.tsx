import { useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { rmsToDb } from '../../audio/envelope';
import { labelColor } from '../../results/palette';
import { formatTime, percent, topClass } from '../../results/postprocess';
import { clampScale, defaultScale, keyMove, scrollToShow, segmentBox, tickLabel, timeTicks } from '../../results/timeline';
import type { Envelope, FileJob, UtteranceResult } from '../../results/types';
import { useAppState, useController } from '../context';

/** Width assumed before the first layout (and in environments without layout). */
const FALLBACK_VIEWPORT_PX = 600;
/** The energy strip spans this dBFS range (so quiet speech, ~-50 dBFS, still shows). */
const DB_FLOOR = -70;

/**
 * One file's utterances on a time axis, over the energy of the whole file (speech that was
 * not analysed shows as energy with no utterance above it). One Tab stop: arrow keys and
 * Home/End move the selection (the selected utterance's bars show above), Enter/Space plays
 * it, +/- zoom. Long files scroll sideways rather than shrink utterances below a tap target.
 */
export function Timeline({ job, utts }: { job: FileJob; utts: readonly UtteranceResult[] }) {
  const durationS = Math.max(job.durationS ?? 0, ...utts.map((r) => r.endS), 1e-3);
  const selectedId = useAppState((s) => s.selectedId);
  const playing = useAppState((s) => s.playing);
  const { playUtterance, selectUtterance } = useController();
  const scroller = useRef<HTMLDivElement>(null);
  const playhead = useRef<HTMLDivElement>(null);
  const [viewport, setViewport] = useState(FALLBACK_VIEWPORT_PX);
  const [zoom, setZoom] = useState<number | null>(null); // px per second chosen by the user; null: default
  const base = defaultScale(durationS, viewport, utts.map((r) => r.endS - r.startS));
  const pxPerS = clampScale(zoom ?? base, durationS, viewport);
  const width = Math.max(viewport, durationS * pxPerS);
  const index = utts.findIndex((r) => r.id === selectedId);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const measure = () => setViewport(el.clientWidth > 0 ? el.clientWidth : FALLBACK_VIEWPORT_PX);
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // Keep the selected utterance in view (when it or the scale changes, not on every render).
  const selStart = index >= 0 ? utts[index].startS : null;
  const selEnd = index >= 0 ? utts[index].endS : null;
  useEffect(() => {
    const el = scroller.current;
    if (!el || selStart === null || selEnd === null) return;
    const { left, width: w } = segmentBox(selStart, selEnd, pxPerS);
    const to = scrollToShow(left, w, el.scrollLeft, el.clientWidth || FALLBACK_VIEWPORT_PX);
    if (to !== el.scrollLeft) el.scrollLeft = to;
  }, [selStart, selEnd, pxPerS]);

  // The playhead moves by itself (no re-render per frame) while an utterance of this file plays.
  const playingHere = playing ? utts.find((r) => r.id === playing.id) : undefined;
  useEffect(() => {
    const el = playhead.current;
    if (!playing || !playingHere || !el) return;
    let frame = 0;
    const tick = () => {
      const into = Math.min(playing.durationS, playing.fromS + (performance.now() - playing.startedAt) / 1000);
      const t = playingHere.startS + into;
      el.style.left = `${t * pxPerS}px`;
      el.dataset.position = t.toFixed(3);
      if (into < playing.durationS) frame = requestAnimationFrame(tick);
    };
    tick();
    return () => cancelAnimationFrame(frame);
  }, [playing, playingHere, pxPerS]);

  const select = (i: number) => selectUtterance(utts[i].id);
  const onKey = (e: KeyboardEvent) => {
    const to = keyMove(e.key, index, utts.length);
    if (to !== null) {
      select(to);
    } else if ((e.key === 'Enter' || e.key === ' ') && utts.length) {
      const i = index < 0 ? 0 : index;
      select(i);
      playUtterance(utts[i].id);
    } else if (e.key === '+' || e.key === '=') {
      setZoom(clampScale(pxPerS * 2, durationS, viewport));
    } else if (e.key === '-') {
      setZoom(clampScale(pxPerS / 2, durationS, viewport));
    } else {
      return;
    }
    e.preventDefault();
  };
  const optionId = (r: UtteranceResult) => `tl-${job.id}-${r.id}`;
  const fit = clampScale(0, durationS, viewport);
  return (
    <div className="timeline-wrap">
      <div className="timeline-tools">
        <TimelineLegend utts={utts} />
        <span className="timeline-zoom">
          <button type="button" aria-label={`Zoom out ${job.name}`} disabled={pxPerS <= fit * 1.0001} onClick={() => setZoom(clampScale(pxPerS / 2, durationS, viewport))}>
            −
          </button>
          <button type="button" aria-label={`Zoom in ${job.name}`} disabled={pxPerS >= clampScale(Infinity, durationS, viewport) * 0.9999} onClick={() => setZoom(clampScale(pxPerS * 2, durationS, viewport))}>
            +
          </button>
        </span>
      </div>
      <div className="timeline-scroll" ref={scroller} data-px-per-s={pxPerS.toFixed(3)}>
        <div className="timeline-inner" style={{ width: `${width}px` }}>
          <div
            className="timeline"
            role="listbox"
            tabIndex={0}
            aria-label={utts.length ? `Utterances in ${job.name}: arrow keys choose, Enter plays` : `No utterances found in ${job.name}`}
            aria-activedescendant={index >= 0 ? optionId(utts[index]) : undefined}
            onKeyDown={onKey}
          >
            {utts.map((r, i) => {
              const top = topClass(r.labels, r.probabilities);
              const box = segmentBox(r.startS, r.endS, pxPerS);
              const text = `${top.label} ${percent(top.probability)}${r.uncertain ? ', uncertain' : ''}, ${formatTime(r.startS)} to ${formatTime(r.endS)}`;
              // Three letters or none: one letter would be ambiguous (sadness, surprise).
              const short = box.width >= 30 ? top.label.slice(0, 3) : '';
              return (
                <div
                  role="option"
                  id={optionId(r)}
                  key={r.id}
                  aria-selected={i === index}
                  aria-label={text}
                  className={`segment${i === index ? ' selected' : ''}${r.uncertain ? ' uncertain' : ''}`}
                  data-top={top.label}
                  data-uncertain={r.uncertain === true}
                  style={{ left: `${box.left}px`, width: `${box.width}px`, background: labelColor(top.label, top.index) }}
                  title={text}
                  onClick={() => {
                    select(i);
                    playUtterance(r.id);
                  }}
                >
                  <span className="segment-text" aria-hidden="true">
                    {short}
                    {r.uncertain && box.width >= 42 ? '?' : ''}
                  </span>
                </div>
              );
            })}
            {playingHere ? <div className="playhead" ref={playhead} aria-hidden="true" data-utterance-id={playingHere.id} /> : null}
          </div>
          {job.envelope ? <EnergyStrip envelope={job.envelope} durationS={durationS} utts={utts} /> : null}
          <div className="timeline-axis" aria-hidden="true">
            {timeTicks(durationS, pxPerS).map((t) => (
              <span key={t} className="tick" style={{ left: `${t * pxPerS}px` }}>
                {tickLabel(t)}
              </span>
            ))}
          </div>
        </div>
      </div>
    </div>
  );
}

/** Colours in use, named, plus what the marks mean. */
function TimelineLegend({ utts }: { utts: readonly UtteranceResult[] }) {
  const seen = new Map<string, string>();
  for (const r of utts) {
    const top = topClass(r.labels, r.probabilities);
    if (!seen.has(top.label)) seen.set(top.label, labelColor(top.label, top.index));
  }
  return (
    <ul className="timeline-legend" aria-label="Legend">
      {[...seen].map(([label, color]) => (
        <li key={label}>
          <span className="swatch" style={{ background: color }} aria-hidden="true" />
          {label}
        </li>
      ))}
      {utts.some((r) => r.uncertain) ? (
        <li>
          <span className="swatch swatch-uncertain" aria-hidden="true" />
          striped, “?”: uncertain
        </li>
      ) : null}
      <li>
        <span className="swatch swatch-energy" aria-hidden="true" />
        energy (blue: analysed)
      </li>
    </ul>
  );
}

/** The file's energy (dBFS) as a filled step outline, analysed stretches shaded behind it. */
function EnergyStrip({ envelope, durationS, utts }: { envelope: Envelope; durationS: number; utts: readonly UtteranceResult[] }) {
  const { rms, binS } = envelope;
  const w = durationS / binS; // x in bins
  let d = 'M0 1';
  rms.forEach((v, b) => {
    const y = (1 - Math.min(1, Math.max(0, (rmsToDb(v) - DB_FLOOR) / -DB_FLOOR))).toFixed(3);
    d += `L${b} ${y}L${b + 1} ${y}`;
  });
  d += `L${rms.length} 1Z`;
  return (
    <svg className="timeline-energy" viewBox={`0 0 ${w.toFixed(3)} 1`} preserveAspectRatio="none" aria-hidden="true" data-points={rms.length}>
      {utts.map((r) => (
        <rect key={r.id} className="analysed" x={r.startS / binS} y={0} width={(r.endS - r.startS) / binS} height={1} />
      ))}
      <path d={d} />
    </svg>
  );
}
