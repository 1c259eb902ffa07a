/**
 * Typed errors of the model side. Every failure the UI must explain carries a `code`
 * so the view can pick a message and offer "retry" without parsing strings.
 */

/** Why loading a model failed. */
export type ModelLoadErrorCode =
  /** The manifest or a model file answered 404/410. */
  | 'not-found'
  /** fetch() rejected, a non-OK HTTP status other than 404, or the body stream broke. */
  | 'network'
  /** The SHA-256 of a downloaded file differs from the manifest's. */
  | 'checksum'
  /** The body ended before the expected number of bytes. */
  | 'truncated'
  /** A file's size (manifest or Content-Length) is beyond what the page can hold. */
  | 'too-large'
  /** A load step took longer than its limit (stalled download, silent worker). */
  | 'timeout'
  /** The URL is on an origin the model origin policy does not allow. */
  | 'forbidden-origin'
  /** The manifest is not JSON or fails the schema. */
  | 'invalid-manifest'
  /** onnxruntime could not create a session from the file. */
  | 'session'
  /** No variant in the manifest runs on the chosen backend. */
  | 'unsupported';

/** A model could not be loaded; `code` says why, `url` which file. */
export class ModelLoadError extends Error {
  override readonly name = 'ModelLoadError';
  /** Machine-readable reason. */
  readonly code: ModelLoadErrorCode;
  /** The file (manifest or model) the error is about, if any. */
  readonly url: string | undefined;

  constructor(code: ModelLoadErrorCode, message: string, url?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.url = url;
  }
}

/** Why a classification request failed. */
export type InferenceErrorCode =
  /** The input is empty, not finite, or otherwise unusable. */
  | 'invalid-input'
  /** The session run threw (after any backend fallback was tried). */
  | 'run-failed'
  /** The model returned probabilities that are not finite numbers (NaN, Infinity). */
  | 'invalid-output'
  /** A newer provisional request replaced this one before it ran. */
  | 'superseded'
  /** The client was disposed. */
  | 'disposed'
  /** The worker died and the request could not be retried. */
  | 'worker-crashed';

/** A classification request failed; `code` says why. */
export class InferenceError extends Error {
  override readonly name = 'InferenceError';
  /** Machine-readable reason. */
  readonly code: InferenceErrorCode;

  constructor(code: InferenceErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A short human-readable description of any thrown value. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  if (typeof e === 'string') return e;
  if (typeof e === 'number') return `error code ${e}`;
  try {
    return JSON.stringify(e);
  } catch {
    return String(e);
  }
}
