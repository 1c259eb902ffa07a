/**
 * The one environment module: the sample rate everything after capture and decoding runs
 * at, where the runtime assets live, and how onnxruntime-web is configured (the VAD worker
 * and the inference worker both call {@link configureOrt}). Nothing here runs at import
 * time beyond constants, so every thread (page, workers, AudioWorklet) may import it.
 */

/** Sample rate of the VAD, the model, utterance audio and playback (Silero v5 and the upstreams are 16 kHz). */
export const SAMPLE_RATE = 16000;

/** Runtime files, relative to an asset base folder (`vendor/` beside the app or the embed bundle). */
export const ASSET_PATHS = {
  /** onnxruntime-web's `ort-wasm-simd-threaded.*` files. */
  ort: 'ort/',
  /** Silero VAD v5 (from @ricky0123/vad-web). */
  vadModel: 'vad/silero_vad_v5.onnx',
} as const;

/** Absolute URLs of the runtime files under `assetBase` (an absolute folder URL). */
export function assetUrls(assetBase: string): { ort: string; vadModel: string } {
  return { ort: new URL(ASSET_PATHS.ort, assetBase).href, vadModel: new URL(ASSET_PATHS.vadModel, assetBase).href };
}

/** The part of onnxruntime-web's `env` we set (structural, so any ORT build fits). */
export interface OrtEnvLike {
  logLevel?: string;
  wasm: { wasmPaths?: unknown; numThreads?: number; proxy?: boolean };
}

/** onnxruntime-web settings, one place for both workers. */
export function configureOrt(env: OrtEnvLike, opts: { wasmPaths: string; numThreads: number }): void {
  // Warnings would reach the page as console.error; real errors surface as exceptions.
  env.logLevel = 'error';
  env.wasm.wasmPaths = opts.wasmPaths;
  env.wasm.numThreads = opts.numThreads;
  // Both callers already run inside a worker: ORT's own proxy worker would only add a hop.
  env.wasm.proxy = false;
}

/** Defined by the build (build-plugins/model-origins.ts); absent under unit tests. */
declare const __SER_MODEL_ORIGINS__: readonly string[] | undefined;

/**
 * Origins the deployer allowed, at build time (SER_MODEL_ORIGINS), to serve models besides
 * the app's own origin. Empty by default.
 */
export const DEPLOYED_MODEL_ORIGINS: readonly string[] = typeof __SER_MODEL_ORIGINS__ === 'undefined' ? [] : __SER_MODEL_ORIGINS__;

/** Defined by the build (build-plugins/app-version.ts); absent under unit tests. */
declare const __APP_VERSION__: string | undefined;

/** The app's package.json version ("dev" where the build did not define it). */
export const APP_VERSION: string = typeof __APP_VERSION__ === 'undefined' ? 'dev' : __APP_VERSION__;
