import { useEffect, useRef, useState } from 'react';
import { useAppState, useController } from '../context';
import { ProbabilityBars } from './ProbabilityBars';
import { tunePrompt } from './tune-prompts';

/** Downloads `text` as a file. */
function download(filename: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/**
 * "Tune to my voice": record a sentence per emotion (or correct history rows), see the
 * counts, whether the tuned model is active and what it changed on the latest utterance;
 * switch it off, export, import, forget. Shown only for models that can be tuned.
 */
export function TunePanel() {
  const cal = useAppState((s) => s.calibration);
  const model = useAppState((s) => s.model);
  const mic = useAppState((s) => s.live.mic);
  const latest = useAppState((s) => (s.currentId !== null ? s.results[s.currentId] : undefined));
  const controller = useController();
  const [message, setMessage] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const forgetButton = useRef<HTMLButtonElement>(null);
  // After the confirmation closes, keyboard focus goes back to "Forget my voice" (not to the page).
  const [refocus, setRefocus] = useState(false);
  useEffect(() => {
    if (!refocus) return;
    forgetButton.current?.focus();
    setRefocus(false);
  }, [refocus]);
  // Say which emotion just got an example (recorded or corrected), for screen readers too.
  const counts = cal?.counts;
  const previous = useRef<readonly number[] | undefined>(undefined);
  const [added, setAdded] = useState<string | null>(null);
  useEffect(() => {
    const before = previous.current;
    previous.current = counts;
    if (!counts || !before || before.length !== counts.length || !cal) return;
    const k = counts.findIndex((n, i) => n > before[i]);
    if (k >= 0) setAdded(`Added an example of ${cal.labels[k]} (${counts[k]} now).`);
  }, [counts, cal]);
  if (!cal || !model) return null;
  const api = () => controller.calibration();

  const record = (label: string) => {
    setMessage(null);
    api()?.arm(cal.armed === label ? null : label);
    if (cal.armed !== label && mic !== 'listening' && mic !== 'starting') void controller.startListening();
  };
  const onImport = async (file: File | undefined) => {
    if (!file) return;
    try {
      await api()?.import(await file.text());
      setMessage(`Imported ${file.name}.`);
    } catch (e) {
      setMessage(e instanceof Error ? e.message : String(e));
    } finally {
      if (fileInput.current) fileInput.current.value = '';
    }
  };
  const onExport = () => {
    const text = api()?.export();
    if (text) download(`voice-${model.name}-${model.version}.json`.replace(/[^\w.@-]+/g, '_'), text);
  };
  const onForget = async () => {
    setConfirming(false);
    setRefocus(true);
    await api()?.clear();
    setMessage('Your examples and the tuned model were deleted from this browser.');
  };

  const need = cal.minPerClass;
  const status = cal.active
    ? 'The tuned model is active: results use your voice.'
    : cal.tuned
      ? 'The tuned model is off: results come from the shipped model.'
      : `Not tuned yet: ${cal.missing.map((l) => `${l} needs ${need - cal.counts[cal.labels.indexOf(l)]} more`).join(', ')} (${need} per emotion).`;
  const total = cal.counts.reduce((a, b) => a + b, 0);
  return (
    <section className="panel tune" aria-labelledby="tune-title" data-testid="tune">
      <h2 id="tune-title">Tune to my voice</h2>
      <p className="muted" id="tune-help">
        Say the sentence shown for each emotion, sounding that way; or correct a result in the history. The model's last layer is refitted to your
        voice on this device. Only the examples' features and the tuned layer are kept, in this browser, for {model.name} {model.version}; no audio.
      </p>
      <p className={cal.active ? 'tune-status active' : 'tune-status'} role="status" aria-live="polite" data-testid="tune-status" data-active={cal.active}>
        {cal.fitting ? 'Tuning… ' : ''}
        {status}
      </p>
      <p className="muted tune-added" role="status" aria-live="polite" data-testid="tune-added">
        {added}
      </p>
      <ul className="tune-classes" aria-label="Examples per emotion">
        {cal.labels.map((label, i) => {
          const armed = cal.armed === label;
          return (
            <li key={label} className={armed ? 'tune-class armed' : 'tune-class'} data-label={label} data-count={cal.counts[i]}>
              <span className="tune-label">{label}</span>
              <span className="tune-count">
                {cal.counts[i]} {cal.counts[i] === 1 ? 'example' : 'examples'}
              </span>
              <button type="button" aria-pressed={armed} onClick={() => record(label)} aria-label={armed ? `Stop recording ${label}` : `Record ${label}`}>
                {armed ? 'Done' : 'Record'}
              </button>
            </li>
          );
        })}
      </ul>
      {cal.armed !== null ? (
        <p className="tune-prompt" data-testid="tune-prompt">
          Say, sounding <strong>{cal.armed}</strong>: “{tunePrompt(cal.armed)}” Every utterance you finish is added as {cal.armed}; press Done when you have
          enough.
          {mic !== 'listening' ? ' (Waiting for the microphone…)' : ''}
        </p>
      ) : null}
      {latest?.untunedProbabilities ? (
        <div className="tune-compare" data-testid="tune-compare">
          <div>
            <h3>Tuned to your voice</h3>
            <ProbabilityBars labels={latest.labels} probabilities={latest.probabilities} mini />
          </div>
          <div>
            <h3>Shipped model</h3>
            <ProbabilityBars labels={latest.labels} probabilities={latest.untunedProbabilities} mini />
          </div>
        </div>
      ) : null}
      <div className="tune-actions">
        <label className="tune-switch">
          <input
            type="checkbox"
            role="switch"
            checked={cal.active}
            disabled={!cal.tuned}
            onChange={(e) => {
              const c = api();
              if (c) c.enabled = e.target.checked;
            }}
            aria-label="Use the tuned model"
            data-testid="tune-enabled"
          />{' '}
          Use the tuned model
        </label>
        <button type="button" onClick={onExport} disabled={total === 0}>
          Export
        </button>
        <label className="tune-import">
          Import <input ref={fileInput} type="file" accept="application/json,.json" onChange={(e) => void onImport(e.target.files?.[0])} aria-label="Import a voice file" data-testid="tune-import" />
        </label>
        {confirming ? (
          <span role="group" aria-label="Confirm forgetting your voice">
            {/* autoFocus: this button replaces the focused "Forget my voice", so it takes the focus. */}
            <button type="button" className="danger" onClick={() => void onForget()} data-testid="tune-forget-confirm" autoFocus>
              Yes, delete {total} {total === 1 ? 'example' : 'examples'}
            </button>{' '}
            <button
              type="button"
              onClick={() => {
                setConfirming(false);
                setRefocus(true);
              }}
            >
              Keep
            </button>
          </span>
        ) : (
          // Never disabled: it keeps keyboard focus after a deletion (deleting nothing is harmless).
          <button type="button" ref={forgetButton} onClick={() => setConfirming(true)}>
            Forget my voice
          </button>
        )}
      </div>
      {message ? (
        <p className="tune-message" role="status" data-testid="tune-message">
          {message}
        </p>
      ) : null}
      {cal.error ? (
        <p className="error" role="alert">
          {cal.error}
        </p>
      ) : null}
    </section>
  );
}
