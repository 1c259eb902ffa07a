import { useAppState, useController } from '../context';

/**
 * How many utterances the model's session statistics have adapted to, with Reset. Shown only
 * for models with domain normalisation; the count is announced politely as it changes.
 */
export function Adaptation() {
  const adaptation = useAppState((s) => s.adaptation);
  const { resetAdaptation } = useController();
  if (!adaptation) return null;
  const n = adaptation.utterances;
  return (
    <section className="panel adaptation" aria-label="Voice adaptation">
      <p className="adaptation-count" role="status" aria-live="polite" data-testid="adaptation" data-utterances={n}>
        Adapting to this voice: {n} {n === 1 ? 'utterance' : 'utterances'}
      </p>
      <p className="muted" id="adaptation-help">
        The model normalises what it hears with statistics of this session's speech (microphone and files together).
        Reset when someone else speaks.
      </p>
      {/* Never disabled: a disabled button would drop keyboard focus right after the click. */}
      <button type="button" onClick={resetAdaptation} aria-describedby="adaptation-help" data-testid="adaptation-reset">
        Reset
      </button>
    </section>
  );
}
