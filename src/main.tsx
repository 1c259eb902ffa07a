import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createController, optionsFromUrl } from './app/controller';
import { browserPorts } from './app/ports-browser';
import { Recognizer } from './app/recognizer';
import { DEPLOYED_MODEL_ORIGINS } from './env';
import { linkManifestToModel, registerServiceWorker } from './pwa/register';
import { HISTORY_LIMIT, createAppStore } from './store/app-store';
import { App } from './ui/App';
import { AttentionView } from './ui/components/AttentionView';
import { UpdateNotice } from './ui/components/UpdateNotice';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

const store = createAppStore();
const assetBase = new URL('vendor/', document.baseURI).href;
// ?model= may name any URL: models load from this origin only, unless the build allowed more.
const modelOrigins = [location.origin, ...DEPLOYED_MODEL_ORIGINS];
const recognizer = new Recognizer(
  { ...optionsFromUrl(location.href, 'models/default/manifest.json'), historyLimit: HISTORY_LIMIT },
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
    <App store={store} controller={controller} attentionView={AttentionView} />
    <UpdateNotice update={update} />
  </StrictMode>,
);
void controller.init();
