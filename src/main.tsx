import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createController, optionsFromUrl } from './app/controller';
import { MODEL_STORAGE_KEY, startingManifest } from './app/model-index';
import { browserPorts } from './app/ports-browser';
import { Recognizer } from './app/recognizer';
import { DEPLOYED_MODEL_ORIGINS } from './env';
import { linkManifestToModel, registerServiceWorker } from './pwa/register';
import { HISTORY_LIMIT, createAppStore } from './store/app-store';
import { App } from './ui/App';
import { AttentionView } from './ui/components/AttentionView';
import { ModelPanel } from './ui/page/ModelPanel';
import { Samples } from './ui/page/Samples';
import { TunePanel } from './ui/components/TunePanel';
import { EmotionChart } from './ui/components/EmotionChart';
import { UpdateNotice } from './ui/components/UpdateNotice';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

const store = createAppStore();
// ?model=, else the model chosen on an earlier visit (the page's picker stores it), else the default.
let rememberedModel: string | null = null;
try {
  rememberedModel = localStorage.getItem(MODEL_STORAGE_KEY);
} catch {
  // storage disabled: start from the default
}
const startManifest = startingManifest(location.href, rememberedModel);
const PageModelPanel = () => <ModelPanel startManifest={startManifest} />;
const assetBase = new URL('vendor/', document.baseURI).href;
// ?model= may name any URL: models load from this origin only, unless the build allowed more.
const modelOrigins = [location.origin, ...DEPLOYED_MODEL_ORIGINS];
const recognizer = new Recognizer(
  { ...optionsFromUrl(location.href, startManifest), historyLimit: HISTORY_LIMIT },
  browserPorts(assetBase, { modelOrigins }),
);
const controller = createController(store, recognizer);
// Test-only handle (E2E tests read the store through it): set by the tests' init script, never in normal use.
if ((window as { __serTestHooks?: boolean }).__serTestHooks === true) (window as { __ser?: unknown }).__ser = { store, recognizer, controller };

// Offline use and app updates (page only; the embed never registers a service worker).
const update = registerServiceWorker();
linkManifestToModel();

createRoot(root).render(
  <StrictMode>
    <App
      store={store}
      controller={controller}
      attentionView={AttentionView}
      modelPanel={PageModelPanel}
      samples={Samples}
      tuneView={TunePanel}
      liveChart={EmotionChart}
    />
    <UpdateNotice update={update} />
  </StrictMode>,
);
void controller.init();
