import { percent, formatTime, topClass } from '../../results/postprocess';
import { useAppState } from '../context';
import { ProbabilityBars } from './ProbabilityBars';

/** The latest finished utterance, large. */
export function CurrentResult() {
  const r = useAppState((s) => (s.currentId ? s.results[s.currentId] : undefined));
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
    <section className="panel current" aria-label="Latest result" data-utterance-id={r.id}>
      <h2>Latest utterance</h2>
      <p className="current-summary" aria-live="polite">
        <strong>{top.label}</strong> {percent(top.probability)} · {r.fileName ? `${r.fileName}, ` : ''}
        {formatTime(r.startS)}–{formatTime(r.endS)} ({(r.endS - r.startS).toFixed(1)} s)
      </p>
      <ProbabilityBars labels={r.labels} probabilities={r.probabilities} />
    </section>
  );
}
