/**
 * The list of shipped models (public/models/index.json) and which one the page starts with.
 * Pure: the page fetches the index and passes what it read; a malformed entry is an error
 * that names the entry and the field, never a half-read list.
 */

/** One shipped model: its manifest is `<folder>/manifest.json` beside the index. */
export interface ModelIndexEntry {
  name: string;
  folder: string;
  description: string;
  default: boolean;
}

/** A folder name: no slashes or dots-only names, so an entry cannot point outside models/. */
const FOLDER = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export class ModelIndexError extends Error {
  override name = 'ModelIndexError';
}

/** Validates index.json's parsed content: `{ models: [{ name, folder, description, default }] }`, exactly one default, unique folders. */
export function parseModelIndex(json: unknown): ModelIndexEntry[] {
  const models = (json as { models?: unknown } | null)?.models;
  if (!Array.isArray(models) || models.length === 0) throw new ModelIndexError('the model list has no "models" array (or it is empty)');
  const out = models.map((m: unknown, i): ModelIndexEntry => {
    const e = (m ?? {}) as Record<string, unknown>;
    const where = `model list entry ${i + 1}`;
    for (const k of ['name', 'folder', 'description'] as const) {
      if (typeof e[k] !== 'string' || e[k] === '') throw new ModelIndexError(`${where}: "${k}" must be a non-empty string`);
    }
    if (!FOLDER.test(e.folder as string)) throw new ModelIndexError(`${where}: "folder" must be a plain folder name (got ${JSON.stringify(e.folder)})`);
    if (e.default !== undefined && typeof e.default !== 'boolean') throw new ModelIndexError(`${where}: "default" must be true or false`);
    return { name: e.name as string, folder: e.folder as string, description: e.description as string, default: e.default === true };
  });
  const folders = new Set(out.map((e) => e.folder));
  if (folders.size !== out.length) throw new ModelIndexError('the model list names a folder twice');
  const defaults = out.filter((e) => e.default).length;
  if (defaults !== 1) throw new ModelIndexError(`the model list must mark exactly one model as default (found ${defaults})`);
  return out;
}

/** Where the page's models live, relative to the page. */
export const MODELS_BASE = 'models/';
export const MODEL_INDEX_PATH = `${MODELS_BASE}index.json`;
/** The model the page loads when neither the URL nor a remembered choice names one. */
export const DEFAULT_FOLDER = 'default';
/** localStorage key of the remembered model folder. */
export const MODEL_STORAGE_KEY = 'ser.model';

/** `models/<folder>/manifest.json`, the value `?model=` takes for a shipped model. */
export function manifestPath(folder: string): string {
  return `${MODELS_BASE}${folder}/manifest.json`;
}

/** The shipped folder a `?model=` value or manifest URL names, or null for any other model. */
export function folderOf(manifestUrl: string, pageUrl: string): string | null {
  const abs = new URL(manifestUrl, pageUrl);
  const base = new URL(MODELS_BASE, pageUrl);
  if (abs.origin !== base.origin || !abs.pathname.startsWith(base.pathname)) return null;
  const m = /^([^/]+)\/manifest\.json$/.exec(abs.pathname.slice(base.pathname.length));
  return m && FOLDER.test(m[1]) ? m[1] : null;
}

/**
 * The manifest the page starts with: `?model=` first (a shared link says what it shows),
 * then the remembered choice (a plain folder name; anything else is ignored), then the default.
 */
export function startingManifest(pageUrl: string, remembered: string | null): string {
  const fromUrl = new URL(pageUrl).searchParams.get('model');
  if (fromUrl) return fromUrl;
  if (remembered && FOLDER.test(remembered)) return manifestPath(remembered);
  return manifestPath(DEFAULT_FOLDER);
}

/** The page URL after choosing a shipped model: `?model=` set, everything else kept. */
export function urlWithModel(pageUrl: string, folder: string): string {
  const url = new URL(pageUrl);
  url.searchParams.set('model', manifestPath(folder));
  return url.href;
}
