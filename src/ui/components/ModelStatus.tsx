import { useAppState, useController } from '../context';

/** Model loading progress (bytes) and load errors with a retry button. */
export function ModelStatus() {
  const load = useAppState((s) => s.load);
  const { retryModel } = useController();
  if (load.phase === 'loading') {
    const pct = load.total > 0 ? Math.round((load.loaded / load.total) * 100) : 0;
    return (
      <section className="panel model-status" aria-label="Model loading">
        <label htmlFor="model-progress">
          Loading model{load.file ? ` (${load.file})` : ''}: {mb(load.loaded)} of {load.total ? mb(load.total) : '?'} MB
        </label>
        <progress id="model-progress" max={100} value={pct} aria-valuetext={`${pct}%`} />
      </section>
    );
  }
  if (load.phase === 'error') {
    return (
      <section className="panel model-status error" role="alert">
        <p>The model could not be loaded: {load.error}</p>
        <button type="button" onClick={retryModel}>
          Retry loading the model
        </button>
      </section>
    );
  }
  return null;
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}
