/**
 * The worker's model owner: loads manifest + files, picks backend and variant, builds
 * the pipeline, and keeps classifying when WebGPU fails (session creation, a run, or a
 * lost device) by switching to WASM and retrying the same request.
 * Dependencies are injected so the logic runs under Node with fakes or real ORT.
 */
import type * as Ort from 'onnxruntime-web';
import { configureOrt } from '../env.ts';
import {
  type BackendChoice,
  type BackendName,
  type ProbedAdapter,
  chooseVariant,
  decideBackend,
  probeAdapter,
  wasmThreads,
} from './backend.ts';
import type { ModelCache } from './cache.ts';
import { type DomainStats, parsePrior } from './domain-norm.ts';
import { SessionStats } from './domain-session.ts';
import { ModelLoadError, describeError } from './errors.ts';
import { fetchModelFile, type ModelFileSpec } from './fetch-model.ts';
import { type LoadedManifest, type Manifest, loadManifest } from './manifest.ts';
import { resolveModelUrl } from './urls.ts';
import { type FitRecipe, type LinearLayer, fitLayer, parseClassifier, predictLayer } from '../calibration/fit.ts';
import { EmotionPipeline, type RunRequest } from './pipeline.ts';
import type { ProgressCallback } from './progress.ts';
import type { EngineResult, InitMessage } from './protocol.ts';

export type { EngineResult };

/** The onnxruntime-web module (`onnxruntime-web/webgpu` in the worker, `onnxruntime-web` in Node). */
export type OrtModule = typeof Ort;

/** What the engine needs from its environment. */
export interface EngineDeps {
  ort: OrtModule;
  cache: ModelCache;
  fetch?: typeof fetch;
  /** `navigator.gpu`; undefined where WebGPU does not exist. */
  gpu: GPU | undefined;
  crossOriginIsolated: boolean;
  hardwareConcurrency: number | undefined;
  onProgress?: ProgressCallback;
  /** Called after a switch to WASM while classifying. */
  onBackendChanged?: (choice: BackendChoice) => void;
}


/** Loads a model and classifies with it. */
export class InferenceEngine {
  private constructor(
    readonly loaded: LoadedManifest,
    private pipeline: EmotionPipeline,
    private current: BackendChoice,
    private readonly headBytes: Uint8Array<ArrayBuffer>,
    private readonly deps: EngineDeps,
    /** Set (asynchronously) when the WebGPU device is lost. */
    private readonly lost: DeviceLostRef,
    /** The session's running statistics (domain-normalised models); outlives pipeline rebuilds. */
    private readonly domain: SessionStats | null,
    private readonly allowedOrigins: readonly string[],
    /** The head's final linear layer (manifest `head.pooled.classifier`); null when not declared. */
    readonly classifier: LinearLayer | null,
  ) {}

  /** The layer tuned to a voice, used for `tunedProbabilities`; null: none. */
  private tuned: LinearLayer | null = null;

  /**
   * Sets (or, with null, clears) the tuned layer. Throws RangeError when the model has no
   * pooled output or the layer's shape is not the shipped one's.
   */
  setTuned(layer: LinearLayer | null): void {
    if (layer !== null) checkLayerShape(this.classifier, layer);
    this.tuned = layer;
  }

  /** Refits the shipped layer on labelled pooled vectors (src/calibration/fit.ts); throws RangeError on bad shapes. */
  fit(x: Float32Array, y: Int32Array, recipe: FitRecipe): LinearLayer {
    if (!this.classifier) throw new RangeError('this model has no pooled output to tune');
    return fitLayer(this.classifier, { x, y }, recipe);
  }

  private get deviceLost(): string | null {
    return this.lost.reason;
  }

  /** The manifest in use. */
  get manifest(): Manifest {
    return this.loaded.manifest;
  }

  /** Backend and variant in use. */
  get choice(): BackendChoice {
    return this.current;
  }

  /** Loads, picks the backend, builds and warms up the pipeline. Throws {@link ModelLoadError}. */
  static async load(init: InitMessage, deps: EngineDeps): Promise<InferenceEngine> {
    const allowedOrigins = init.modelOrigins;
    const loaded = await loadManifest(init.manifestUrl, { fetch: deps.fetch, cache: deps.cache, timeoutMs: init.timeouts?.manifestMs, allowedOrigins });
    const { manifest } = loaded;
    const threads = wasmThreads(deps.crossOriginIsolated, deps.hardwareConcurrency);
    configureOrt(deps.ort.env, { wasmPaths: init.wasmPaths, numThreads: threads });
    const sel = await selectBackend(init, manifest, deps.gpu);
    const adapter = sel.probed
      ? { vendor: sel.probed.summary.vendor, architecture: sel.probed.summary.architecture, fallback: sel.probed.summary.fallback }
      : undefined;

    // Head and prior first (small), then the upstream; one overall byte count for the progress bar.
    const upstreamSpec = variantSpec(loaded, sel.variant);
    const priorRef = manifest.domain_normalization?.prior;
    const priorBytes = priorRef?.bytes ?? 0;
    const pooledRef = manifest.head.pooled;
    const classifierBytes = pooledRef?.classifier.bytes ?? 0;
    const overallTotal = manifest.head.bytes + priorBytes + classifierBytes + (upstreamSpec.bytes ?? 0);
    const fetchOpts = { cache: deps.cache, fetch: deps.fetch, onProgress: deps.onProgress, stallMs: init.timeouts?.stallMs, allowedOrigins };
    const head = await fetchModelFile(fileSpec(loaded, manifest.head), { ...fetchOpts, overall: { offset: 0, total: overallTotal } });
    const domain = priorRef
      ? sessionStats(loaded, (await fetchModelFile(fileSpec(loaded, priorRef), { ...fetchOpts, overall: { offset: manifest.head.bytes, total: overallTotal } })).bytes)
      : null;
    const classifier = pooledRef
      ? classifierLayer(
          loaded,
          (await fetchModelFile(fileSpec(loaded, pooledRef.classifier), { ...fetchOpts, overall: { offset: manifest.head.bytes + priorBytes, total: overallTotal } })).bytes,
        )
      : null;
    const upstream = await fetchModelFile(upstreamSpec, { ...fetchOpts, overall: { offset: manifest.head.bytes + priorBytes + classifierBytes, total: overallTotal } });

    let choice: BackendChoice = { backend: sel.backend, reason: sel.reason, adapter, variant: sel.variant, threads };
    let pipeline: EmotionPipeline | undefined;
    let lostRef: DeviceLostRef = { reason: null };
    try {
      if (sel.backend === 'webgpu' && sel.probed) deps.ort.env.webgpu.adapter = sel.probed.adapter;
      pipeline = await buildPipeline(deps.ort, manifest, sel.backend, upstream.bytes, head.bytes, domain);
      await pipeline.warmUp();
      if (sel.backend === 'webgpu') lostRef = await watchDevice(deps.ort);
    } catch (e) {
      if (sel.backend !== 'webgpu') throw e;
      await pipeline?.release().catch(() => undefined);
      // WebGPU could not create or warm up the sessions: WASM keeps the product working.
      const wasmVariant = chooseVariant('wasm', manifest.upstream.variants, sel.features, init.variant);
      if (wasmVariant === undefined) throw e;
      const bytes =
        wasmVariant === sel.variant
          ? upstream.bytes
          : (await fetchModelFile(variantSpec(loaded, wasmVariant), { cache: deps.cache, fetch: deps.fetch, allowedOrigins })).bytes;
      pipeline = await buildPipeline(deps.ort, manifest, 'wasm', bytes, head.bytes, domain);
      await pipeline.warmUp();
      choice = { backend: 'wasm', reason: `WebGPU failed (${describeError(e)}); using WASM`, adapter, variant: wasmVariant, threads };
    }
    const engine = new InferenceEngine(loaded, pipeline, choice, head.bytes, deps, lostRef, domain, allowedOrigins, classifier);
    deps.onProgress?.({ status: 'ready', backend: choice.backend, variant: choice.variant });
    return engine;
  }

  /**
   * Classifies one utterance. On WebGPU, a failed run or a lost device switches to WASM
   * (reported through `onBackendChanged`) and the same audio is run again there.
   * `request` says whether a final result adds the utterance to the session statistics.
   */
  async classify(audio: Float32Array, request: RunRequest = { commit: false }): Promise<EngineResult> {
    if (this.current.backend === 'webgpu' && this.deviceLost !== null) {
      await this.switchToWasm(`WebGPU device lost (${this.deviceLost}); continuing on WASM`);
    }
    const t0 = performance.now();
    try {
      const out = await this.pipeline.classify(audio, request);
      return this.withTuned({ ...out, inferenceMs: performance.now() - t0, backend: this.current.backend });
    } catch (e) {
      if (this.current.backend !== 'webgpu' || (e instanceof Error && e.name === 'InferenceError' && isInputError(e))) throw e;
      // A run that fails because the device went away often rejects before device.lost
      // resolves: give it a moment, so the user is told the real cause.
      if (this.deviceLost === null && this.lost.lost) {
        await Promise.race([this.lost.lost, new Promise((r) => setTimeout(r, LOST_SETTLE_MS))]);
      }
      const why = this.deviceLost !== null ? `WebGPU device lost (${this.deviceLost})` : `WebGPU run failed (${describeError(e)})`;
      await this.switchToWasm(`${why}; continuing on WASM`);
      const t1 = performance.now();
      const out = await this.pipeline.classify(audio, request);
      return this.withTuned({ ...out, inferenceMs: performance.now() - t1, backend: this.current.backend });
    }
  }

  private withTuned(r: EngineResult): EngineResult {
    if (!this.tuned || !r.pooled) return r;
    return { ...r, tunedProbabilities: Float32Array.from(predictLayer(this.tuned, r.pooled)) };
  }

  /** Test hook: simulates a lost WebGPU device (destroys it). */
  async simulateDeviceLost(): Promise<void> {
    if (this.current.backend !== 'webgpu') return;
    const device = await this.deps.ort.env.webgpu.device;
    device.destroy();
  }

  /** Releases the sessions. */
  async release(): Promise<void> {
    await this.pipeline.release();
  }

  private async switchToWasm(reason: string): Promise<void> {
    const { manifest } = this.loaded;
    const variant = chooseVariant('wasm', manifest.upstream.variants, new Set());
    if (variant === undefined) throw new ModelLoadError('unsupported', `${reason}, but no manifest variant runs on WASM`);
    await this.pipeline.release().catch(() => undefined);
    const up = await fetchModelFile(variantSpec(this.loaded, variant), { cache: this.deps.cache, fetch: this.deps.fetch, allowedOrigins: this.allowedOrigins });
    const pipeline = await buildPipeline(this.deps.ort, manifest, 'wasm', up.bytes, this.headBytes, this.domain);
    await pipeline.warmUp();
    this.pipeline = pipeline;
    this.lost.reason = null;
    this.current = { ...this.current, backend: 'wasm', variant, reason };
    this.deps.onBackendChanged?.(this.current);
  }
}

function isInputError(e: Error): boolean {
  return (e as Error & { code?: string }).code === 'invalid-input';
}

/** Backend + variant chosen before anything is downloaded. */
interface Selection {
  backend: BackendName;
  reason: string;
  variant: string;
  probed: ProbedAdapter | null;
  features: ReadonlySet<string>;
}

async function selectBackend(init: InitMessage, manifest: Manifest, gpu: GPU | undefined): Promise<Selection> {
  const probed = init.preference === 'wasm' ? null : await probeAdapter(gpu);
  const features = new Set(probed?.summary.features ?? []);
  const variants = manifest.upstream.variants;
  let { backend, reason } = decideBackend(init.preference, probed?.summary ?? null);
  let variant = chooseVariant(backend, variants, features, init.variant);
  if (variant === undefined && backend === 'webgpu') {
    backend = 'wasm';
    reason = `${reason}; but no manifest variant runs on WebGPU here, so WASM`;
    variant = chooseVariant('wasm', variants, features, init.variant);
  }
  if (variant === undefined) throw new ModelLoadError('unsupported', `No upstream variant of ${manifest.name} runs on ${backend}`);
  return { backend, reason, variant, probed, features };
}

/** Shared cell the device-lost promise writes into. */
interface DeviceLostRef {
  reason: string | null;
  /** Resolves once the device is lost (never, if it is not). */
  lost?: Promise<void>;
}

/** How long a failed run waits for `device.lost` to settle before calling it a plain run failure. */
const LOST_SETTLE_MS = 200;

async function watchDevice(ort: OrtModule): Promise<DeviceLostRef> {
  const ref: DeviceLostRef = { reason: null };
  try {
    const device = await ort.env.webgpu.device;
    ref.lost = device.lost.then((info) => {
      ref.reason = info.message || info.reason || 'unknown reason';
    });
  } catch {
    // no device to watch; run failures still trigger the fallback
  }
  return ref;
}

function fileSpec(loaded: LoadedManifest, ref: { file: string; sha256: string; bytes: number }): ModelFileSpec {
  return { url: resolveModelUrl(ref.file, loaded.url), sha256: ref.sha256, bytes: ref.bytes };
}

function variantSpec(loaded: LoadedManifest, id: string): ModelFileSpec {
  const v = loaded.manifest.upstream.variants.find((x) => x.id === id);
  if (!v) throw new ModelLoadError('unsupported', `manifest has no upstream variant "${id}"`, loaded.url);
  return fileSpec(loaded, v);
}

/**
 * The running statistics of a domain-normalised model, starting from its prior file.
 * Throws {@link ModelLoadError} `invalid-manifest` naming the file when its size is not 2 x L x D floats.
 */
function sessionStats(loaded: LoadedManifest, priorBytes: Uint8Array): SessionStats | null {
  const { manifest } = loaded;
  const dn = manifest.domain_normalization;
  if (!dn) return null;
  const { num_layers: layers, dim } = manifest.upstream;
  const url = resolveModelUrl(dn.prior.file, loaded.url);
  let prior: DomainStats;
  try {
    prior = parsePrior(priorBytes, layers, dim, url);
  } catch (e) {
    throw new ModelLoadError('invalid-manifest', `Domain prior ${describeError(e)}`, url, { cause: e });
  }
  return new SessionStats({ prior, priorFrames: dn.prior_frames, stdFloor: dn.std_floor, layers, dim });
}

/** The classifier file as a layer; ModelLoadError `invalid-manifest` naming the file when its size does not fit. */
function classifierLayer(loaded: LoadedManifest, bytes: Uint8Array): LinearLayer | null {
  const pooled = loaded.manifest.head.pooled;
  if (!pooled) return null;
  const url = resolveModelUrl(pooled.classifier.file, loaded.url);
  try {
    return parseClassifier(bytes, loaded.manifest.labels.length, pooled.dim);
  } catch (e) {
    throw new ModelLoadError('invalid-manifest', `Classifier ${url}: ${describeError(e)}`, url, { cause: e });
  }
}

/** A tuned layer must have the shipped layer's shape (and finite values). */
function checkLayerShape(shipped: LinearLayer | null, layer: LinearLayer): void {
  if (!shipped) throw new RangeError('this model has no pooled output to tune');
  if (layer.classes !== shipped.classes || layer.dim !== shipped.dim || layer.w.length !== shipped.w.length || layer.b.length !== shipped.b.length) {
    throw new RangeError(`tuned layer is [${layer.classes}, ${layer.dim}]; this model's layer is [${shipped.classes}, ${shipped.dim}]`);
  }
  if (!layer.w.every(Number.isFinite) || !layer.b.every(Number.isFinite)) throw new RangeError('tuned layer has non-finite weights');
}

/** Builds the two-session pipeline on a backend (`domain`: the session statistics, for a domain-normalised model). */
export async function buildPipeline(
  ort: OrtModule,
  manifest: Manifest,
  backend: BackendName,
  upstream: Uint8Array,
  head: Uint8Array,
  domain: SessionStats | null = null,
): Promise<EmotionPipeline> {
  return EmotionPipeline.create({
    backend,
    upstream,
    head,
    minSamples: manifest.upstream.min_samples,
    numClasses: manifest.labels.length,
    attention: manifest.head.attention
      ? { output: manifest.head.attention.output, frameS: manifest.upstream.downsample_rate / manifest.sample_rate }
      : null,
    pooled: manifest.head.pooled ? { output: manifest.head.pooled.output, dim: manifest.head.pooled.dim } : null,
    createSession: (bytes, options) => ort.InferenceSession.create(bytes, options),
    makeTensor: (data, dims) => new ort.Tensor('float32', data, dims),
    domain,
  });
}
