import type { ComponentType } from 'react';
import css from './styles.css?inline';
import { ServicesContext, type AppServices } from './context';
import { Adaptation } from './components/Adaptation';
import { CurrentResult } from './components/CurrentResult';
import { ErrorBoundary } from './components/ErrorBoundary';
import { FilePanel } from './components/FilePanel';
import { Footer } from './components/Footer';
import { History } from './components/History';
import { ListenPanel } from './components/ListenPanel';
import { ModelStatus } from './components/ModelStatus';
import { Notices } from './components/Notices';

interface Props extends AppServices {
  /** Which inputs to offer (the embed can restrict it). */
  input?: 'mic' | 'file' | 'both';
  /** Show the page title (hidden when embedded in a host page). */
  title?: boolean;
  /**
   * The "Where it heard it" view (components/AttentionView), passed in by the page: the embed
   * leaves it out to stay within its size budget (its events still carry the attention).
   */
  attentionView?: ComponentType;
  /** Page-only panels (src/ui/page): the model panel (picker, training data, card link) and the samples. */
  modelPanel?: ComponentType;
  samples?: ComponentType;
  /** The "Tune to my voice" panel (components/TunePanel), passed in by the page or the embed's `tune` attribute. */
  tuneView?: ComponentType;
  /** The emotion-over-time chart (components/EmotionChart), page-only like attentionView. */
  liveChart?: ComponentType;
  /** The embed's footer: the card page for a model (manifest URL), or null for its raw card. */
  cardPage?: (manifestUrl: string) => string | null;
}

/** The whole recognizer UI. Styles travel with it, so it renders the same in a shadow root. */
export function App({ store, controller, input = 'both', title = true, attentionView: AttentionView, modelPanel: ModelPanel, samples: Samples, tuneView: TuneView, liveChart: LiveChart, cardPage }: Props) {
  return (
    <ServicesContext.Provider value={{ store, controller, showsAttention: AttentionView !== undefined, showsTuning: TuneView !== undefined }}>
      <style>{css}</style>
      <div className="ser-app">
        {title ? (
          <header>
            <h1>Speech Emotion Recognizer</h1>
            <p className="muted">Emotion probabilities for each utterance, computed on your device.</p>
          </header>
        ) : null}
        {/* One boundary per section: a render error (bad data) costs that section, not the page. */}
        <ErrorBoundary name="Notices">
          <Notices />
        </ErrorBoundary>
        <ErrorBoundary name="Model status">
          <ModelStatus />
        </ErrorBoundary>
        {input !== 'file' ? (
          <ErrorBoundary name="Listening">
            <ListenPanel />
          </ErrorBoundary>
        ) : null}
        {/* After Listen, so the first Tab stop stays the main action. */}
        <ErrorBoundary name="Adaptation">
          <Adaptation />
        </ErrorBoundary>
        <div className={LiveChart ? 'result-row with-chart' : 'result-row'}>
          <ErrorBoundary name="Current result">
            <CurrentResult />
          </ErrorBoundary>
          {LiveChart ? (
            <ErrorBoundary name="Emotion over time">
              <LiveChart />
            </ErrorBoundary>
          ) : null}
        </div>
        {TuneView ? (
          <ErrorBoundary name="Tune to my voice">
            <TuneView />
          </ErrorBoundary>
        ) : null}
        {AttentionView ? (
          <ErrorBoundary name="Where it heard it">
            <AttentionView />
          </ErrorBoundary>
        ) : null}
        {Samples && input !== 'mic' ? (
          <ErrorBoundary name="Samples">
            <Samples />
          </ErrorBoundary>
        ) : null}
        {input !== 'mic' ? (
          <ErrorBoundary name="Files">
            <FilePanel />
          </ErrorBoundary>
        ) : null}
        <ErrorBoundary name="History">
          <History />
        </ErrorBoundary>
        {ModelPanel ? (
          <ErrorBoundary name="Model">
            <ModelPanel />
          </ErrorBoundary>
        ) : null}
        <ErrorBoundary name="Footer">
          {/* The page's model panel says it all; the embed keeps the short summary here. */}
          <Footer about={ModelPanel === undefined} cardPage={cardPage} />
        </ErrorBoundary>
      </div>
    </ServicesContext.Provider>
  );
}
