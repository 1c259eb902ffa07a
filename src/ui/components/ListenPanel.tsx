import { useAppState, useController } from '../context';
import { LevelMeter } from './LevelMeter';
import { ProbabilityBars } from './ProbabilityBars';

/** Listen/Stop, input level, live state, and provisional probabilities of the utterance in progress. */
export function ListenPanel() {
  const live = useAppState((s) => s.live);
  const ready = useAppState((s) => s.load.phase === 'ready');
  const { startListening, stopListening } = useController();
  const listening = live.mic === 'listening' || live.mic === 'starting';
  const state = !ready
    ? 'Waiting for the model'
    : live.mic === 'starting'
      ? 'Starting microphone…'
      : live.mic === 'listening'
        ? live.speech
          ? 'Speech detected'
          : live.pending > 0
            ? 'Analysing…'
            : 'Listening'
        : live.pending > 0
          ? 'Analysing…'
          : 'Ready';
  return (
    <section className="panel listen" aria-label="Microphone">
      <div className="listen-row">
        <button
          type="button"
          className="primary"
          disabled={!ready}
          aria-pressed={listening}
          onClick={() => (listening ? stopListening() : void startListening())}
        >
          {listening ? 'Stop' : 'Listen'}
        </button>
        <span className="live-state" role="status" aria-live="polite" data-state={state}>
          {state}
        </span>
        <LevelMeter level={live.level} speech={live.speech} active={live.mic === 'listening'} />
      </div>
      {live.provisional ? (
        <div className="provisional" aria-live="off">
          <p className="muted">Provisional, utterance still going ({live.provisional.durationS.toFixed(1)} s)</p>
          <ProbabilityBars labels={live.provisional.labels} probabilities={live.provisional.probabilities} />
        </div>
      ) : null}
    </section>
  );
}
