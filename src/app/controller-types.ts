import type { RecognizerCalibration } from '../embed/types';

/** What the view may ask of the app. Implemented by src/app/controller.ts. */
export interface Controller {
  startListening(): Promise<void>;
  stopListening(): void;
  /** Forgets the voice the session statistics adapted to (domain-normalised models). */
  resetAdaptation(): void;
  analyseFiles(files: readonly File[]): void;
  /** Plays an utterance, from `fromS` seconds into it. */
  playUtterance(id: string, fromS?: number): void;
  /** Shows an utterance in the attention view (null: follow the latest). */
  selectUtterance(id: string | null): void;
  /** An utterance's kept 16 kHz audio, or null once dropped. */
  utteranceAudio(id: string): Float32Array | null;
  clearHistory(): void;
  retryModel(): void;
  /** Loads another model (a manifest URL, relative to the page); the old one is released. */
  setModel(manifestUrl: string): void;
  dismissNotice(id: number): void;
  exportResults(format: 'json' | 'csv'): { filename: string; text: string; mime: string };
  /** "Tune to my voice" of the loaded model (null: it cannot be tuned); its state is in the store. */
  calibration(): RecognizerCalibration | null;
}
