/**
 * Recordings analysed one after another: decode -> segment (one VAD worker serves every
 * file in turn, since starting one costs an ORT load) -> classify each utterance. Job
 * progress and utterance starts are reported through {@link FileQueueOutput}; cancel()
 * rejects what is queued or running and stops segmenting at once.
 */
import { EnvelopeBuilder } from '../audio/envelope';
import { SAMPLE_RATE } from '../env';
import { RecognizerError } from '../embed/validate';
import type { UtteranceStartEvent } from '../embed/types';
import { describeError } from '../model';
import type { FileJob, UtteranceResult } from '../results/types';
import type { VadEvent } from '../vad/events';
import type { AppPorts, SegmenterPort } from './ports';
import { StartTracker } from './utterance-starts';

/** Where a file's utterances and progress go (the recognizer's events). */
export interface FileQueueOutput {
  /** Classifies one utterance; null when it was dropped (the model was replaced). */
  classify(audio: Float32Array, meta: Pick<UtteranceResult, 'source' | 'fileName' | 'startS' | 'endS'>): Promise<UtteranceResult | null>;
  job(job: FileJob): void;
  start(type: 'utterance-start' | 'utterance-cancel', e: UtteranceStartEvent): void;
  error(message: string): void;
}

/** A queued or running file analysis. */
interface FileTask {
  job: FileJob;
  file: File;
  resolve(results: UtteranceResult[]): void;
  reject(error: Error): void;
  /** Set when the task is cancelled (model change, dispose): its work reports nothing. */
  cancelled: string | null;
}

export class FileQueue {
  private readonly queue: FileTask[] = [];
  private running: FileTask | null = null;
  private segmenter: SegmenterPort | null = null;
  private onVad: (e: VadEvent) => void = () => undefined;
  private onVadError: (m: string) => void = () => undefined;
  private disposed = false;

  constructor(
    private readonly ports: Pick<AppPorts, 'openFile' | 'createSegmenter'>,
    private readonly out: FileQueueOutput,
  ) {}

  /** Queues `file` as job `id`; resolves with its utterances in time order. */
  add(file: File, id: string): Promise<UtteranceResult[]> {
    const job: FileJob = { id, name: file.name, status: 'queued', progress: 0, durationS: null, utteranceIds: [], message: null };
    return new Promise<UtteranceResult[]>((resolve, reject) => {
      this.queue.push({ job, file, resolve, reject, cancelled: null });
      this.out.job({ ...job });
      void this.drain();
    });
  }

  /** Rejects every queued and running file with {@link RecognizerError} `file` "<name>: <reason>". */
  cancel(reason: string): void {
    const tasks = [...(this.running ? [this.running] : []), ...this.queue.splice(0)];
    for (const t of tasks) {
      t.cancelled = reason;
      t.reject(new RecognizerError('file', `${t.file.name}: ${reason}`));
    }
    if (this.running) {
      // Stop segmenting the cancelled file now (its pushFile rejects); the next file gets a fresh worker.
      this.segmenter?.release();
      this.segmenter = null;
    }
  }

  /** Cancels everything and frees the VAD worker. */
  dispose(reason: string): void {
    this.disposed = true;
    this.cancel(reason);
    this.segmenter?.release();
    this.segmenter = null;
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    for (let next = this.queue.shift(); next; next = this.queue.shift()) {
      this.running = next;
      try {
        await this.run(next);
      } finally {
        this.running = null;
      }
      if (this.disposed) return;
    }
  }

  private async run(task: FileTask): Promise<void> {
    const { job, file } = task;
    const live = () => task.cancelled === null;
    const update = (patch: Partial<FileJob>) => {
      if (!live()) return;
      Object.assign(job, patch);
      this.out.job({ ...job, utteranceIds: [...job.utteranceIds] });
    };
    const results: UtteranceResult[] = [];
    const work: Promise<void>[] = [];
    let failure: string | null = null;
    /** Utterances whose model output was unusable (NaN): reported, the rest of the file goes on. */
    let invalid = 0;
    const starts = new StartTracker(
      (t, e) => {
        if (live()) this.out.start(t, e);
      },
      () => ({ source: 'file', fileName: file.name }),
    );
    try {
      update({ status: 'decoding' });
      const opened = await this.ports.openFile(file);
      if (!live()) return;
      const total = opened.durationS;
      update({ status: 'analysing', durationS: total, progress: 0.02 });
      this.onVad = (e) => {
        if (!live()) return;
        if (e.type === 'speech-real-start') starts.realStart(e.startSample);
        else if (e.type === 'misfire') starts.misfire(e.startSample);
        else if (e.type === 'utterance') {
          starts.utterance(e.startSample);
          const meta = { source: 'file' as const, fileName: file.name, startS: e.startSample / SAMPLE_RATE, endS: e.endSample / SAMPLE_RATE };
          const w = this.out.classify(e.audio, meta).then(
            (r) => {
              if (!r) return;
              results.push(r);
              update({ utteranceIds: results.map((x) => x.id) });
            },
            (err: unknown) => {
              if (!isInvalidOutput(err)) throw err;
              invalid++;
            },
          );
          w.catch(() => undefined); // awaited below, unless segmentation failed first
          work.push(w);
        }
      };
      this.onVadError = (m) => (failure = m);
      if (!this.segmenter) {
        const seg = await this.ports.createSegmenter(
          (e) => this.onVad(e),
          (m) => this.onVadError(m),
        );
        if (this.disposed) {
          seg.release();
          return;
        }
        this.segmenter = seg;
      }
      if (!live()) return;
      // The file's energy strip, measured on the way to the VAD (before the chunk is transferred).
      const energy = new EnvelopeBuilder(total * SAMPLE_RATE);
      await this.segmenter.pushFile(metered(opened.chunks, energy), (seconds) => update({ progress: 0.02 + 0.9 * (total > 0 ? Math.min(1, seconds / total) : 1) }));
      await Promise.all(work);
      if (failure) throw new Error(`Speech detection failed: ${failure}`);
      if (!live()) return;
      results.sort((a, b) => a.startS - b.startS);
      update({
        status: 'done',
        progress: 1,
        utteranceIds: results.map((r) => r.id),
        ...withEnvelope(energy),
        message: doneMessage(results.length, invalid, opened.warning),
      });
      task.resolve(results);
    } catch (e) {
      await Promise.allSettled(work);
      if (!live()) return; // already rejected with the reason
      const message = describeError(e);
      update({ status: 'error', message });
      this.out.error(`${file.name}: ${message}`);
      task.reject(new RecognizerError('file', `${file.name}: ${message}`));
    } finally {
      this.onVad = () => undefined;
      this.onVadError = () => undefined;
      if (failure || !live()) {
        // A failed worker is replaced for the next file; a cancelled file's events must not
        // reach the next one (the worker may still be busy with it).
        this.segmenter?.release();
        this.segmenter = null;
      }
    }
  }
}

/** Passes chunks through, adding each to `energy` first. */
async function* metered(chunks: AsyncIterable<Float32Array>, energy: EnvelopeBuilder): AsyncIterable<Float32Array> {
  for await (const c of chunks) {
    energy.push(c);
    yield c;
  }
}

function withEnvelope(energy: EnvelopeBuilder): Pick<FileJob, 'envelope'> {
  const envelope = energy.result();
  return envelope ? { envelope } : {};
}

/** True for a model output that was not a probability vector (one utterance's error, not the file's). */
function isInvalidOutput(e: unknown): boolean {
  return e instanceof Error && (e as Error & { code?: unknown }).code === 'invalid-output';
}

function doneMessage(results: number, invalid: number, warning: string | null): string | null {
  if (invalid > 0) {
    const lost = `${invalid} utterance${invalid === 1 ? '' : 's'} could not be analysed (the model returned invalid probabilities).`;
    return warning ? `${lost} ${warning}` : lost;
  }
  return results === 0 ? 'No speech found in this file.' : warning;
}
