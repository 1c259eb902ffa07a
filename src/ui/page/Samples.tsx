import { useState } from 'react';
import { parseSamplesIndex, sha256Hex, type Sample } from '../../app/samples-index';
import { useAppState, useController } from '../context';
import css from './page.css?inline';
import { usePageJson } from './use-page-json';

const INDEX = 'samples/index.json';

/**
 * "Try a sample": short acted clips shipped with the page, analysed through the same path as
 * a dropped file, with their source and licence (RAVDESS is CC BY-NC-SA: attribution here).
 */
export function Samples() {
  const ready = useAppState((s) => s.load.phase === 'ready');
  const { analyseFiles } = useController();
  const list = usePageJson(INDEX, parseSamplesIndex);
  const index = list.data;
  const [runError, setRunError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const error = runError ?? (list.error === null ? null : `The sample list could not be read: ${list.error}`);

  const run = async (s: Sample) => {
    setBusy(s.file);
    setRunError(null);
    try {
      const res = await fetch(new URL(`samples/${s.file}`, document.baseURI));
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const bytes = await res.arrayBuffer();
      // The list says what each file is: a different file would be analysed under a wrong name.
      if ((await sha256Hex(bytes)) !== s.sha256) throw new Error(`${s.file} does not match its checksum`);
      analyseFiles([new File([bytes], s.file, { type: 'audio/wav' })]);
    } catch (e) {
      setRunError(`The sample could not be loaded: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="panel samples" aria-labelledby="samples-title" data-testid="samples">
      <style>{css}</style>
      <h2 id="samples-title">Try a sample</h2>
      <p className="muted">No microphone needed: each button analyses a short recording as if you had dropped the file below.</p>
      {index ? (
        <>
          <ul className="samples-list">
            {index.samples.map((s) => (
              <li key={s.file}>
                <button type="button" disabled={!ready || busy !== null} onClick={() => void run(s)} data-testid="sample-button" data-file={s.file}>
                  {s.label} <span className="muted">({s.speaker})</span>
                </button>
              </li>
            ))}
          </ul>
          <p className="samples-note" data-testid="samples-attribution">
            These are acted studio recordings (actors portraying an emotion on request), not everyday speech; the button names the
            emotion asked for, not the model's answer, which can differ. The default model was trained on this corpus, so it does
            better on them than on voices it never heard (switch to the EmoDB-only model, which never heard them, to see a model guess on unfamiliar voices). {index.attribution}{' '}
            <a href={index.corpus.url}>{index.corpus.name}</a>, licensed under{' '}
            <a href={index.licence.url} rel="license">
              {index.licence.name}
            </a>
            ; converted to 16 kHz mono.
          </p>
        </>
      ) : null}
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
    </section>
  );
}
