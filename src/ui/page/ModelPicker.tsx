import { useId, useState } from 'react';
import { MODEL_INDEX_PATH, MODEL_STORAGE_KEY, folderOf, manifestPath, parseModelIndex, urlWithModel, type ModelIndexEntry } from '../../app/model-index';
import { useAppState, useController } from '../context';
import { usePageJson } from './use-page-json';

/** Remembers the choice for the next visit and shows it in the URL (a reload or a shared link keeps it). */
function remember(folder: string): void {
  try {
    localStorage.setItem(MODEL_STORAGE_KEY, folder);
  } catch {
    // Storage can be disabled (privacy settings): the URL still carries the choice.
  }
  history.replaceState(history.state, '', urlWithModel(location.href, folder));
}

/**
 * Which shipped model to use (public/models/index.json). Switching loads the other model in
 * place: no reload, the history stays (each row says which model produced it).
 */
export function ModelPicker({ startManifest }: { startManifest: string }) {
  const index = usePageJson(MODEL_INDEX_PATH, parseModelIndex);
  const { setModel } = useController();
  const loadedDescription = useAppState((s) => s.model?.summary.description ?? null);
  const id = useId();
  // '' = a model from the link (?model=) that is not in the list.
  const [choice, setChoice] = useState(() => folderOf(startManifest, location.href) ?? '');
  if (index.error !== null) {
    return (
      <p className="error" role="alert" data-testid="model-index-error">
        The list of models ({MODEL_INDEX_PATH}) could not be read: {index.error}. The current model still works.
      </p>
    );
  }
  if (!index.data) return <p className="muted">Loading the list of models…</p>;
  const entries = index.data;
  const chosen = entries.find((e) => e.folder === choice);
  return (
    <div className="model-picker">
      <label htmlFor={id}>Use the model</label>{' '}
      <select
        id={id}
        data-testid="model-picker"
        value={choice}
        aria-describedby={`${id}-desc`}
        onChange={(e) => {
          const folder = e.target.value;
          const entry = entries.find((x) => x.folder === folder);
          if (!entry) return;
          setChoice(folder);
          remember(folder);
          setModel(manifestPath(entry.folder));
        }}
      >
        {chosen ? null : <option value="">Other: {startManifest}</option>}
        {entries.map((e) => (
          <option key={e.folder} value={e.folder}>
            {e.name}
            {e.default ? ' (default)' : ''}
          </option>
        ))}
      </select>
      <p id={`${id}-desc`} className="muted">
        {chosen ? chosen.description : `A model named by the link, not one of the shipped models${loadedDescription ? `: ${loadedDescription}` : '.'}`}
      </p>
    </div>
  );
}
