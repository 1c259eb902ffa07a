import { percent, formatTime, topClass } from '../../results/postprocess';
import { useAppState, useController } from '../context';
import { ProbabilityBars } from './ProbabilityBars';
import { UncertainTag } from './UncertainTag';

/** The selected utterance (timeline, history), else the latest finished one, large. */
export function CurrentResult() {
  const selected = useAppState((s) => s.selectedId !== null);
  const r = useAppState((s) => {
    const id = s.selectedId ?? s.currentId;
    return id ? s.results[id] : undefined;
  });
  const { selectUtterance } = useController();
  if (!r) {
    return (
      <section className="panel current" aria-label="Latest result">
        <h2>Latest utterance</h2>
        <p className="muted">Press Listen and speak, or drop an audio file below.</p>
      </section>
    );
  }
  const top = topClass(r.labels, r.probabilities);
  return (
    <section className="panel current" aria-label={selected ? 'Selected result' : 'Latest result'} data-utterance-id={r.id} data-selected={selected}>
      <div className="current-head">
        <h2>{selected ? 'Selected utterance' : 'Latest utterance'}</h2>
        {selected ? (
          <button type="button" className="show-latest" onClick={() => selectUtterance(null)}>
            Back to latest
          </button>
        ) : null}
      </div>
      <p className="current-summary" aria-live="polite">
        <strong>{top.label}</strong> {percent(top.probability)}
        {r.uncertain ? <UncertainTag /> : null} · {r.fileName ? `${r.fileName}, ` : ''}
        {formatTime(r.startS)}–{formatTime(r.endS)} ({(r.endS - r.startS).toFixed(1)} s)
      </p>
      <ProbabilityBars labels={r.labels} probabilities={r.probabilities} uncertain={r.uncertain === true} />
    </section>
  );
}
