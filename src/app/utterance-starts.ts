/** Pairs every announced utterance start with its end, per input stream. */
import { SAMPLE_RATE } from '../env';
import type { UtteranceStartEvent } from '../embed/types';

/**
 * Which utterance start was announced on one stream (mic, or the file being segmented):
 * `utterance-start` fires once minimum speech is reached (vad-web's "real start"), and
 * each announced start ends in exactly one `utterance` or `utterance-cancel`.
 */
export class StartTracker {
  private announced: number | null = null;
  constructor(
    private readonly emit: (type: 'utterance-start' | 'utterance-cancel', e: UtteranceStartEvent) => void,
    private readonly meta: () => { source: 'mic' | 'file'; fileName?: string },
  ) {}
  realStart(startSample: number): void {
    this.announced = startSample;
    this.emit('utterance-start', this.event(startSample));
  }
  misfire(startSample: number): void {
    if (this.announced === startSample) this.emit('utterance-cancel', this.event(startSample));
    this.announced = null;
  }
  utterance(startSample: number): void {
    if (this.announced !== startSample) this.emit('utterance-start', this.event(startSample));
    this.announced = null;
  }
  reset(): void {
    this.announced = null;
  }
  private event(startSample: number): UtteranceStartEvent {
    const m = this.meta();
    return { source: m.source, startS: startSample / SAMPLE_RATE, ...(m.fileName !== undefined ? { fileName: m.fileName } : {}) };
  }
}
