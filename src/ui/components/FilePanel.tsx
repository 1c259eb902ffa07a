import { useRef, useState, type DragEvent } from 'react';
import { formatTime } from '../../results/postprocess';
import type { FileJob } from '../../store/app-store';
import { useAppState, useController } from '../context';
import { Timeline } from './Timeline';

/** Drop zone + file picker, and one timeline per analysed file. */
export function FilePanel() {
  const files = useAppState((s) => s.files);
  const ready = useAppState((s) => s.load.phase === 'ready');
  const { analyseFiles } = useController();
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    if (e.dataTransfer.files.length) analyseFiles([...e.dataTransfer.files]);
  };
  return (
    <section className="panel files" aria-label="Audio files">
      <h2>Analyse audio files</h2>
      <div
        className={over ? 'dropzone over' : 'dropzone'}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        <p>Drop audio files here (WAV, MP3, OGG, FLAC, WebM, M4A) or</p>
        <button type="button" onClick={() => input.current?.click()} disabled={!ready}>
          Choose files…
        </button>
        <input
          ref={input}
          type="file"
          accept="audio/*,.wav,.mp3,.ogg,.oga,.flac,.webm,.m4a"
          multiple
          hidden
          aria-label="Audio files to analyse"
          data-testid="file-input"
          onChange={(e) => {
            if (e.target.files?.length) analyseFiles([...e.target.files]);
            e.target.value = '';
          }}
        />
      </div>
      {files.map((f) => (
        <FileRow key={f.id} job={f} />
      ))}
    </section>
  );
}

function FileRow({ job }: { job: FileJob }) {
  const results = useAppState((s) => s.results);
  const pct = Math.round(job.progress * 100);
  const utts = job.utteranceIds.map((id) => results[id]).filter((r) => r !== undefined);
  return (
    <article className={`file-job ${job.status}`} data-status={job.status} aria-label={`File ${job.name}`}>
      <header>
        <strong>{job.name}</strong>{' '}
        <span className="muted">
          {statusText(job)}
          {job.durationS !== null ? ` · ${formatTime(job.durationS)}` : ''}
        </span>
      </header>
      {job.status === 'error' ? (
        <p className="error" role="alert">
          {job.message}
        </p>
      ) : null}
      {job.status !== 'done' && job.status !== 'error' ? (
        <progress max={100} value={pct} aria-label={`Progress for ${job.name}`} aria-valuetext={`${pct}%`} />
      ) : null}
      {job.status === 'done' && job.message ? <p className="muted">{job.message}</p> : null}
      {job.durationS && (utts.length || job.envelope) ? <Timeline job={job} utts={utts} /> : null}
    </article>
  );
}

function statusText(job: FileJob): string {
  switch (job.status) {
    case 'queued':
      return 'queued';
    case 'decoding':
      return 'decoding…';
    case 'analysing':
      return `analysing… ${job.utteranceIds.length} utterance(s) so far`;
    case 'done':
      return `${job.utteranceIds.length} utterance(s)`;
    case 'error':
      return 'failed';
  }
}
