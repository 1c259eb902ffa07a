/** What the view may ask of the app. Implemented by src/app/controller.ts. */
export interface Controller {
  startListening(): Promise<void>;
  stopListening(): void;
  /** Forgets the voice the session statistics adapted to (domain-normalised models). */
  resetAdaptation(): void;
  analyseFiles(files: readonly File[]): void;
  playUtterance(id: string): void;
  clearHistory(): void;
  retryModel(): void;
  dismissNotice(id: number): void;
  exportResults(format: 'json' | 'csv'): { filename: string; text: string; mime: string };
}
