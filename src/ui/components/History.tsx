import { useState } from 'react';
import { formatTime, percent, topClass } from '../../results/postprocess';
import { useAppState, useController, useHasAttentionView } from '../context';
import { ProbabilityBars } from './ProbabilityBars';
import { CorrectControl } from './CorrectControl';
import { UncertainTag } from './UncertainTag';

/** Rows rendered by default; the store keeps up to HISTORY_LIMIT. */
export const HISTORY_RENDERED = 50;

/** Every finished utterance: time, duration, top emotion, mini bars, play; clear and export. */
export function History() {
  const order = useAppState((s) => s.order);
  const results = useAppState((s) => s.results);
  const selectedId = useAppState((s) => s.selectedId);
  const canSelect = useHasAttentionView();
  const controller = useController();
  const save = (format: 'json' | 'csv') => {
    const { filename, text, mime } = controller.exportResults(format);
    const url = URL.createObjectURL(new Blob([text], { type: mime }));
    const a = document.createElement('a');
    a.href = url;
    a.download = filename;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  const [showAll, setShowAll] = useState(false);
  const rows = order.map((id) => results[id]).filter((r) => r !== undefined).reverse();
  // Long sessions: render the newest rows only unless asked (each row is ~20 KB of DOM).
  const shown = showAll ? rows : rows.slice(0, HISTORY_RENDERED);
  return (
    <section className="panel history" aria-label="History">
      <div className="history-head">
        <h2>History ({rows.length})</h2>
        <div className="history-actions">
          <button type="button" onClick={() => save('json')} disabled={!rows.length}>
            Export JSON
          </button>
          <button type="button" onClick={() => save('csv')} disabled={!rows.length}>
            Export CSV
          </button>
          <button type="button" onClick={controller.clearHistory} disabled={!rows.length}>
            Clear
          </button>
        </div>
      </div>
      {rows.length === 0 ? (
        <p className="muted">No utterances yet.</p>
      ) : (
        <ol className="history-list">
          {shown.map((r) => {
            const top = topClass(r.labels, r.probabilities);
            return (
              <li key={r.id} className={r.uncertain ? 'history-item uncertain' : 'history-item'} data-top={top.label} data-uncertain={r.uncertain === true} aria-current={selectedId === r.id ? 'true' : undefined}>
                <div className="history-meta">
                  <button type="button" className="play" onClick={() => controller.playUtterance(r.id)} aria-label={`Play utterance at ${formatTime(r.startS)}`}>
                    ▶
                  </button>
                  <span>
                    <strong>{top.label}</strong> {percent(top.probability)}
                    {r.uncertain ? <UncertainTag /> : null}
                  </span>
                  {canSelect && r.attention ? (
                    <button
                      type="button"
                      className="select"
                      aria-pressed={selectedId === r.id}
                      onClick={() => controller.selectUtterance(selectedId === r.id ? null : r.id)}
                      aria-label={`Show where it heard the utterance at ${formatTime(r.startS)}`}
                    >
                      Where
                    </button>
                  ) : null}
                  <CorrectControl id={r.id} label={top.label} />
                  <span className="muted">
                    {r.fileName ?? new Date(r.at).toLocaleTimeString()} · {formatTime(r.startS)} · {(r.endS - r.startS).toFixed(1)} s
                  </span>
                </div>
                <ProbabilityBars labels={r.labels} probabilities={r.probabilities} mini uncertain={r.uncertain === true} />
              </li>
            );
          })}
        </ol>
      )}
      {rows.length > HISTORY_RENDERED ? (
        <button type="button" className="show-all" aria-expanded={showAll} onClick={() => setShowAll(!showAll)}>
          {showAll ? `Show the newest ${HISTORY_RENDERED} only` : `Show all ${rows.length}`}
        </button>
      ) : null}
    </section>
  );
}
