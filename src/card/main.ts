/**
 * model-card.html?model=<manifest URL>: the model's MODEL_CARD.md as a page. The manifest
 * names the card; both come from this origin (or one the build allowed), and the Markdown is
 * rendered with raw HTML off (./render.ts). Fetched as text, so the card's UTF-8 (±, ü) is
 * decoded as UTF-8 whatever Content-Type the server sends.
 */
import { MODEL_STORAGE_KEY, startingManifest } from '../app/model-index';
import { DEPLOYED_MODEL_ORIGINS } from '../env';
import { renderCard } from './render';
import './card.css';

const found = document.getElementById('card');
if (!found) throw new Error('model-card.html has no #card element');
const main: HTMLElement = found;

function remembered(): string | null {
  try {
    return localStorage.getItem(MODEL_STORAGE_KEY);
  } catch {
    return null;
  }
}

async function fetchOk(url: URL): Promise<Response> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url.href}: HTTP ${res.status}`);
  return res;
}

async function show(): Promise<void> {
  const model = startingManifest(location.href, remembered());
  const manifestUrl = new URL(model, document.baseURI);
  if (manifestUrl.origin !== location.origin && !DEPLOYED_MODEL_ORIGINS.includes(manifestUrl.origin)) {
    throw new Error(`models load from this site only, not from ${manifestUrl.origin}`);
  }
  const back = document.getElementById('back');
  if (back instanceof HTMLAnchorElement) back.href = `./?${new URLSearchParams({ model }).toString()}`;
  const manifest = (await (await fetchOk(manifestUrl)).json()) as { name?: unknown; version?: unknown; model_card?: unknown };
  if (typeof manifest.model_card !== 'string') throw new Error('the manifest names no model card');
  const cardUrl = new URL(manifest.model_card, manifestUrl);
  if (cardUrl.origin !== manifestUrl.origin) throw new Error('the model card must sit beside its manifest');
  const markdown = await (await fetchOk(cardUrl)).text();
  document.title = `${String(manifest.name)} ${String(manifest.version)}: model card`;
  main.innerHTML = renderCard(markdown, cardUrl.href);
}

show()
  .catch((e: unknown) => {
    const p = document.createElement('p');
    p.className = 'error';
    p.setAttribute('role', 'alert');
    p.textContent = `The model card could not be shown: ${e instanceof Error ? e.message : String(e)}`;
    main.replaceChildren(p);
  })
  .finally(() => main.setAttribute('aria-busy', 'false'));
