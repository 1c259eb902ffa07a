/**
 * Time limits of model loading, and the one helper that applies them. Every load step has
 * a limit so that a stalled server or a silent worker ends in an error (with Retry in the
 * UI) instead of a progress bar that never moves.
 */

/** Default limits, in milliseconds. */
export const LOAD_TIMEOUTS = {
  /** Manifest request, headers and body together. */
  manifestMs: 30_000,
  /** A model file download with no new bytes for this long has stalled. */
  stallMs: 30_000,
  /**
   * Silence from the inference worker while it loads (no progress message): covers a worker
   * that never starts and session creation + warm-up after the last byte (generous: a large
   * model on a slow CPU takes tens of seconds, and ORT blocks the worker meanwhile).
   */
  workerIdleMs: 180_000,
} as const;

/** Which limits apply (tests shorten them). */
export type LoadTimeouts = { -readonly [K in keyof typeof LOAD_TIMEOUTS]: number };

/** `promise`, or a rejection with `onTimeout()` if it has not settled within `ms`. */
export function withDeadline<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
