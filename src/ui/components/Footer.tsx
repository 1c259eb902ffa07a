import { useAppState } from '../context';
import { ModelAbout } from './ModelAbout';

/**
 * Which model, which backend, and the privacy promise. `about`: the model summary and the card
 * link (the embed); the page passes false because its model panel shows both. The link goes to
 * `cardPage(manifest)` (the card rendered as a page) where that gives one, else to the raw card.
 */
export function Footer({ about = true, cardPage }: { about?: boolean; cardPage?: (manifestUrl: string) => string | null }) {
  const model = useAppState((s) => s.model);
  const backend = useAppState((s) => s.backend);
  return (
    <footer className="footer">
      <p>
        Model:{' '}
        {model ? (
          <>
            <span data-testid="model-name">
              {model.name} {model.version}
            </span>
            {/* The page's model panel links to the card rendered as a page instead. */}
            {model.cardUrl && about ? (
              <>
                {' '}
                (<a href={cardPage?.(model.manifestUrl) ?? model.cardUrl} target="_blank" rel="noreferrer" data-testid="footer-card-link">
                  model card
                </a>
                )
              </>
            ) : null}
          </>
        ) : (
          'not loaded'
        )}
        {' · '}Backend:{' '}
        <span data-testid="backend" data-backend={backend?.backend ?? ''} title={backend?.reason}>
          {backend ? `${backend.backend === 'webgpu' ? 'WebGPU' : 'WASM'} (${backend.variant})${backend.forced ? ', forced' : ''}` : '…'}
        </span>
      </p>
      {model && about ? <ModelAbout model={model} /> : null}
      <p>Everything runs on this device: no audio leaves this page.</p>
    </footer>
  );
}
