import { languagesOf } from '../../results/model-summary';
import type { ModelInfo } from '../../results/types';
import { ModelAbout } from '../components/ModelAbout';
import { useAppState } from '../context';
import { ModelPicker } from './ModelPicker';
import css from './page.css?inline';

/** The card page for a model: its manifest URL, relative when it is on this origin (shorter links). */
export function cardPageUrl(manifestUrl: string, pageUrl: string): string {
  const abs = new URL(manifestUrl, pageUrl);
  const base = new URL('./', pageUrl);
  const model = abs.origin === base.origin && abs.pathname.startsWith(base.pathname) ? abs.pathname.slice(base.pathname.length) : abs.href;
  return `model-card.html?${new URLSearchParams({ model }).toString()}`;
}

const n = (x: number): string => x.toLocaleString('en');

function TrainedOn({ model }: { model: ModelInfo }) {
  const t = model.summary.trainedOn;
  if (!t) return <p data-testid="model-trained-on">The model does not say what it was trained on: see its card.</p>;
  const clips = t.reduce((a, c) => a + c.clips, 0);
  const speakers = t.reduce((a, c) => a + c.speakers, 0);
  const acted = t.every((c) => c.style === 'acted');
  return (
    <div data-testid="model-trained-on">
      <p>
        Trained on {n(clips)} {acted ? 'acted' : ''} clips from {speakers} speakers in {languagesOf(t)}
        {acted ? ': actors performing emotions in a studio, not everyday speech' : ''}.
      </p>
      <ul>
        {t.map((c) => (
          <li key={c.corpus}>
            {c.corpus}
            {c.citation ? ` (${c.citation})` : ''}: {c.language}, {c.speakers} speakers, {n(c.clips)} clips, {c.style}; licence {c.licence}
          </li>
        ))}
      </ul>
    </div>
  );
}

/**
 * The page's model panel: choose a model, then what it is, what it learnt from, what it can
 * say (classes), how well it did on speech it never heard, its licence and its full card.
 * Page-only (the embed keeps the short summary in its footer).
 */
export function ModelPanel({ startManifest }: { startManifest: string }) {
  const model = useAppState((s) => s.model);
  return (
    <section className="panel model-panel" aria-labelledby="model-panel-title" data-testid="model-panel">
      <style>{css}</style>
      <h2 id="model-panel-title">Model</h2>
      <ModelPicker startManifest={startManifest} />
      {model ? (
        <>
          <p>
            <strong data-testid="model-panel-name">
              {model.name} {model.version}
            </strong>{' '}
            recognises <span data-testid="model-classes">{model.labels.join(', ')}</span>.
          </p>
          <TrainedOn model={model} />
          {/* The picker above already describes the model. */}
          <ModelAbout model={model} description={false} />
          {model.cardUrl ? (
            <p>
              <a href={cardPageUrl(model.manifestUrl, location.href)} data-testid="model-card-link">
                Read the model card
              </a>{' '}
              (how it was built and measured, limits)
            </p>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
