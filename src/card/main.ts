/**
 * model-card.html?model=<manifest URL>: the model's MODEL_CARD.md as a page. The manifest
 * names the card; both come from this origin (or one the build allowed), and the Markdown is
 * rendered with raw HTML off (./render.ts). Fetched as text, so the card's UTF-8 (±, ü) is
 * decoded as UTF-8 whatever Content-Type the server sends. Offline, both come from the model
 * cache: the manifest the model loader keeps there, the card this page put there when it was
 * last shown online.
 */
import { MODEL_STORAGE_KEY, startingManifest } from '../app/model-index';
import { DEPLOYED_MODEL_ORIGINS } from '../env';
import { ModelCache } from '../model/cache';
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

const cache = ModelCache.fromGlobal();


/**
 * The text at `url`: from the network (revalidated), else, when the network is unreachable,
 * the copy in the model cache. `keep`: store what the network gave (the card; the manifest is
 * the loader's to store, after validation).
 */
async function textOf(url: URL, keep: boolean): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { cache: 'no-cache' });
  } catch {
    const hit = await cache.match(url.href);
    if (hit) return hit.text();
    throw new Error('this device is offline, and this model card was not opened here with a connection before. Open it once online and it is kept for offline use.');
  }
  if (!res.ok) throw new Error(`${url.href}: HTTP ${res.status}`);
  const text = await res.text();
  if (keep) await cache.put(url.href, new TextEncoder().encode(text));
  return text;
}

async function show(): Promise<void> {
  const model = startingManifest(location.href, remembered());
  const manifestUrl = new URL(model, document.baseURI);
  if (manifestUrl.origin !== location.origin && !DEPLOYED_MODEL_ORIGINS.includes(manifestUrl.origin)) {
    throw new Error(`models load from this site only, not from ${manifestUrl.origin}`);
  }
  const back = document.getElementById('back');
  if (back instanceof HTMLAnchorElement) back.href = `./?${new URLSearchParams({ model }).toString()}`;
  const manifest = JSON.parse(await textOf(manifestUrl, false)) as { name?: unknown; version?: unknown; model_card?: unknown };
  if (typeof manifest.model_card !== 'string') throw new Error('the manifest names no model card');
  const cardUrl = new URL(manifest.model_card, manifestUrl);
  if (cardUrl.origin !== manifestUrl.origin) throw new Error('the model card must sit beside its manifest');
  const markdown = await textOf(cardUrl, true);
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
