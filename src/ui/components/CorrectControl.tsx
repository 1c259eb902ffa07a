import { useAppState, useController, useShowsTuning } from '../context';

/**
 * "This was: …" on a history row: adds the utterance as an example of the chosen emotion
 * ("Tune to my voice"). Only while its features are still kept and the tuning flow is shown.
 */
export function CorrectControl({ id, label }: { id: string; label: string }) {
  const shows = useShowsTuning();
  const cal = useAppState((s) => s.calibration);
  const controller = useController();
  if (!shows || !cal || !cal.correctable.includes(id)) return null;
  return (
    <select
      className="correct"
      value=""
      aria-label={`Correct the utterance heard as ${label}: this was`}
      onChange={(e) => {
        if (e.target.value) controller.calibration()?.addExample(id, e.target.value);
      }}
      data-testid="correct"
    >
      <option value="">This was…</option>
      {cal.labels.map((l) => (
        <option key={l} value={l}>
          {l}
        </option>
      ))}
    </select>
  );
}
