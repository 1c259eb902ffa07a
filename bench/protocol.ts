/**
 * What the benchmark runner (Node, bench/runner.ts) and the bench page (browser,
 * bench/bench-page.ts) exchange through `page.evaluate`. Plain JSON only.
 */
import type { BackendChoice, BackendPreference } from '../src/model/index.ts';

/** Load one model through the app's InferenceClient. */
export interface LoadRequest {
  manifestUrl: string;
  backend: BackendPreference;
  /** Upstream variant to ask for; the client may pick another if it cannot run here. */
  variant?: string;
}

/** Timings of one model load (all in ms, measured on the page's clock). */
export interface LoadReport {
  /** create() called -> ready: fetch + SHA-256 + Cache API + sessions + built-in 1-s warm-up run. */
  totalMs: number;
  /** create() called -> last file `done` (download + verify + cache). */
  fetchMs: number;
  /** last file `done` -> `ready`: session creation + the client's built-in warm-up run. */
  initMs: number;
  /** Upstream + head bytes the client loaded. */
  bytes: number;
  choice: BackendChoice;
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
}

/** One classification of a benchmark utterance. */
export interface ClassifyReport {
  audioId: string;
  samples: number;
  /** classify() called -> probabilities back on the main thread (end of utterance -> result). */
  latencyMs: number;
  /** Worker-side run time (upstream + head), as reported by the client. */
  inferenceMs: number;
  probabilities: number[];
  backend: string;
}

/** Memory readable from inside the page. */
export interface PageMemory {
  /** performance.memory.usedJSHeapSize of the main thread (Chromium only). */
  mainJsHeapBytes: number | null;
  /** performance.measureUserAgentSpecificMemory() total (needs cross-origin isolation; includes workers). */
  uaMemoryBytes: number | null;
}

/** The API the bench page installs on `window.__bench`. */
export interface BenchApi {
  load(req: LoadRequest): Promise<LoadReport>;
  classify(audioId: string): Promise<ClassifyReport>;
  memory(): Promise<PageMemory>;
  dispose(): Promise<void>;
}
