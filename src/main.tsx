import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createController, optionsFromUrl } from './app/controller';
import { browserPorts } from './app/ports-browser';
import { createAppStore } from './store/app-store';
import { App } from './ui/App';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

const store = createAppStore();
const assetBase = new URL('vendor/', document.baseURI).href;
const controller = createController(store, { ...optionsFromUrl(location.href, 'models/default/manifest.json'), assetBase }, browserPorts(assetBase));
// Tests and the console reach the live store through this handle (read-only use).
(window as unknown as { __ser?: unknown }).__ser = { store, controller };

createRoot(root).render(
  <StrictMode>
    <App store={store} controller={controller} />
  </StrictMode>,
);
void controller.init();
