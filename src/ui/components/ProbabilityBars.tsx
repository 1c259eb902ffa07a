import { labelColor } from '../../results/palette';
import { percent, topClass } from '../../results/postprocess';

interface Props {
  labels: readonly string[];
  probabilities: readonly number[];
  /** Compact bars for history rows. */
  mini?: boolean;
  /** The result is marked uncertain (top below the model's threshold): said in text at the winner. */
  uncertain?: boolean;
}

/** One bar per class with its name and percentage; the winner is marked in text, not only colour. */
export function ProbabilityBars({ labels, probabilities, mini = false, uncertain = false }: Props) {
  const top = topClass(labels, probabilities);
  return (
    <ul className={`${mini ? 'bars bars-mini' : 'bars'}${uncertain ? ' uncertain' : ''}`} aria-label={uncertain ? 'Emotion probabilities (uncertain)' : 'Emotion probabilities'}>
      {labels.map((label, i) => {
        const p = probabilities[i];
        const winner = i === top.index;
        return (
          <li key={label} className={winner ? 'bar winner' : 'bar'} data-label={label} data-probability={p.toFixed(6)}>
            <span className="bar-label">
              {label}
              {winner && !mini ? <span className="bar-top">{uncertain ? ' (top, uncertain)' : ' (top)'}</span> : null}
            </span>
            <span className="bar-track" aria-hidden="true">
              <span className="bar-fill" style={{ width: `${(p * 100).toFixed(1)}%`, background: labelColor(label, i) }} />
            </span>
            <span className="bar-value">{percent(p)}</span>
          </li>
        );
      })}
    </ul>
  );
}
