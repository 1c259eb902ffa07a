/**
 * The model itself: upstream session -> head session -> probabilities.
 * On WebGPU the upstream's `hidden_states` stay on the GPU (gpu-buffer output) and go
 * straight into the head; they are disposed after every run. Runs are serialised.
 * A model with domain normalisation also gets `domain_mean`/`domain_std` from the session's
 * running statistics (src/model/domain-session.ts); its hidden states come back to the CPU,
 * where their frame sums are taken.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-web';
import { binAttention, type AttentionCurve } from './attention.ts';
import type { BackendName } from './backend.ts';
import type { AdaptationInfo, SessionPreview, SessionStats } from './domain-session.ts';
import { InferenceError, ModelLoadError, describeError } from './errors.ts';

/** The part of an onnxruntime session the pipeline uses (fakes implement it in tests). */
export interface SessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, Tensor>): Promise<Readonly<Record<string, Tensor>>>;
  release(): Promise<void>;
}

/** Creates a session from model bytes (wraps `ort.InferenceSession.create`). */
export type CreateSession = (model: Uint8Array, options: InferenceSession.SessionOptions) => Promise<SessionLike>;

/** Makes a CPU float32 tensor (wraps `new ort.Tensor('float32', data, dims)`). */
export type MakeTensor = (data: Float32Array, dims: readonly number[]) => Tensor;

/** Everything {@link EmotionPipeline.create} needs. */
export interface PipelineConfig {
  backend: BackendName;
  /** Bytes of `upstream.<variant>.onnx`. */
  upstream: Uint8Array;
  /** Bytes of `head.onnx`. */
  head: Uint8Array;
  /** Shortest input yielding one frame; shorter inputs are zero-padded to it. */
  minSamples: number;
  /** Number of classes C the head must output. */
  numClasses: number;
  createSession: CreateSession;
  makeTensor: MakeTensor;
  /**
   * Running statistics of the session, for a model with domain normalisation (its head takes
   * domain_mean/domain_std); null or absent otherwise. Owned by the caller, so it outlives a
   * pipeline rebuilt on another backend.
   */
  domain?: SessionStats | null;
  /**
   * A head with attention over time (manifest `head.attention`): its output name and the
   * seconds per upstream frame. Null or absent: results carry no attention.
   */
  attention?: { output: string; frameS: number } | null;
  /**
   * A head that also outputs the pooled vector its final linear layer reads (manifest
   * `head.pooled`): output name and length. Null or absent: results carry no `pooled`.
   */
  pooled?: { output: string; dim: number } | null;
}

/** How one run treats the session statistics. */
export interface RunRequest {
  /** Add this utterance's frames to the session once the run succeeds (final results only). */
  commit: boolean;
  /** Epoch of the caller's estimate; a new one resets the statistics first (SessionStats.preview). */
  epoch?: number;
}

/** Probabilities of one run and, for a domain-normalised model, what they were adapted on. */
export interface PipelineResult {
  probabilities: Float32Array;
  adaptation?: AdaptationInfo;
  /** For a head with attention: its weights over the frames, binned (src/model/attention.ts). */
  attention?: AttentionCurve;
  /** For a head with a pooled output: the final linear layer's input, float32 [dim]. */
  pooled?: Float32Array;
}

/** Names fixed by the model contract (docs/ARCHITECTURE.md). */
export const IO = {
  waveform: 'waveform',
  hidden: 'hidden_states',
  probabilities: 'probabilities',
  domainMean: 'domain_mean',
  domainStd: 'domain_std',
} as const;

/**
 * Session options for one of the two sessions on a backend. `hiddenOnGpu: false` (domain
 * normalisation) keeps the upstream's output on the CPU, where its frame sums are needed.
 */
export function sessionOptions(backend: BackendName, which: 'upstream' | 'head', hiddenOnGpu = true): InferenceSession.SessionOptions {
  const options: InferenceSession.SessionOptions = {
    executionProviders: [backend],
    graphOptimizationLevel: 'all',
    // 3 = error: ORT logs warnings such as "nodes not assigned to the preferred EP" with
    // console.error, which pages and tests treat as failures.
    logSeverityLevel: 3,
  };
  if (backend === 'webgpu' && which === 'upstream' && hiddenOnGpu) {
    // Keep hidden states on the GPU: the head reads them there, no read-back in between.
    return { ...options, preferredOutputLocation: { [IO.hidden]: 'gpu-buffer' } };
  }
  return options;
}

/**
 * Validates a mono 16 kHz waveform and zero-pads it to `minSamples`.
 * Throws {@link InferenceError} `invalid-input` for empty or non-finite input.
 */
export function prepareWaveform(waveform: Float32Array, minSamples: number): Float32Array {
  if (waveform.length === 0) throw new InferenceError('invalid-input', 'waveform is empty (0 samples)');
  for (let i = 0; i < waveform.length; i++) {
    if (!Number.isFinite(waveform[i])) {
      throw new InferenceError('invalid-input', `waveform[${i}] is ${waveform[i]} (samples must be finite)`);
    }
  }
  if (waveform.length >= minSamples) return waveform;
  const padded = new Float32Array(minSamples);
  padded.set(waveform);
  return padded;
}

/**
 * Upstream + head sessions. Runs must not overlap (onnxruntime-web rejects a second run on a
 * session with "Session already started"): the worker's RequestScheduler is the one queue
 * in front of it, so an overlapping call is refused rather than queued a second time.
 */
export class EmotionPipeline {
  /** Backend both sessions run on. */
  readonly backend: BackendName;
  /** The run in progress, if any (release() waits for it). */
  private inFlight: Promise<PipelineResult> | null = null;
  private released = false;

  private constructor(
    private readonly upstream: SessionLike,
    private readonly head: SessionLike,
    private readonly config: PipelineConfig,
  ) {
    this.backend = config.backend;
  }

  /** Creates both sessions and checks their input/output names against the contract. */
  static async create(config: PipelineConfig): Promise<EmotionPipeline> {
    const upstream = await createChecked(config, 'upstream', config.upstream, IO.waveform, IO.hidden);
    let head: SessionLike;
    try {
      head = await createChecked(config, 'head', config.head, IO.hidden, IO.probabilities);
      await checkDomainInputs(head, config.domain != null);
      await checkAttentionOutput(head, config.attention?.output);
      await checkPooledOutput(head, config.pooled?.output);
    } catch (e) {
      await upstream.release().catch(() => undefined);
      throw e;
    }
    return new EmotionPipeline(upstream, head, config);
  }

  /**
   * One run on a short signal, so WebGPU compiles its shaders before the first real request.
   * Throws {@link ModelLoadError} `session` when it fails.
   */
  async warmUp(): Promise<void> {
    const samples = Math.max(this.config.minSamples, 16000);
    const noise = new Float32Array(samples);
    // Low deterministic noise: silence would make a zero-variance normalisation degenerate.
    for (let i = 0; i < samples; i++) noise[i] = 0.01 * Math.sin(i * 12.9898) * Math.sin(i * 0.37);
    try {
      await this.run(noise);
    } catch (e) {
      // A model whose shapes contradict the manifest fails here, before any real request.
      throw new ModelLoadError('session', `The model's warm-up run on ${this.backend} failed: ${describeError(e)}`, undefined, { cause: e });
    }
  }

  /**
   * Classifies one utterance: waveform float32 [S] mono 16 kHz -> probabilities [C], without
   * adding it to the session statistics (warm-up, tests). See {@link classify}.
   */
  async run(waveform16k: Float32Array): Promise<Float32Array> {
    return (await this.classify(waveform16k, { commit: false })).probabilities;
  }

  /**
   * Classifies one utterance; a domain-normalised model uses the session statistics with this
   * utterance's frames included and, with `commit`, keeps them for the next utterances.
   * Throws {@link InferenceError} `run-failed` when called while another run is in progress.
   */
  async classify(waveform16k: Float32Array, request: RunRequest): Promise<PipelineResult> {
    if (this.inFlight) throw new InferenceError('run-failed', 'EmotionPipeline.run() called while another run is in progress (the caller must serialise runs)');
    const input = prepareWaveform(waveform16k, this.config.minSamples);
    const run = this.runNow(input, request);
    this.inFlight = run;
    try {
      return await run;
    } finally {
      this.inFlight = null;
    }
  }

  /** Releases both sessions after the run in progress finishes. Idempotent. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.inFlight?.catch(() => undefined);
    await Promise.allSettled([this.upstream.release(), this.head.release()]);
  }

  private async runNow(input: Float32Array, request: RunRequest): Promise<PipelineResult> {
    if (this.released) throw new InferenceError('disposed', 'the model was released');
    const waveform = this.config.makeTensor(input, [1, input.length]);
    let hidden: Tensor | undefined;
    let outputs: Tensor[] = [];
    const stats: Tensor[] = [];
    try {
      const up = await this.upstream.run({ [IO.waveform]: waveform });
      hidden = up[IO.hidden];
      if (!hidden || hidden.dims.length !== 3 || hidden.type !== 'float32') {
        throw new InferenceError(
          'run-failed',
          `upstream output ${IO.hidden} must be float32 [L, T, D]; got ${hidden ? `${hidden.type} [${hidden.dims.join(', ')}]` : 'nothing'}`,
        );
      }
      const feeds: Record<string, Tensor> = { [IO.hidden]: hidden };
      const domain = this.config.domain;
      let preview: SessionPreview | null = null;
      if (domain) {
        const frames = await hidden.getData();
        if (!(frames instanceof Float32Array)) throw new InferenceError('run-failed', `upstream output ${IO.hidden} is not float32`);
        preview = domain.preview(frames, hidden.dims, request.epoch);
        const dims = [domain.model.layers, domain.model.dim];
        stats.push(this.config.makeTensor(preview.stats.mean, dims), this.config.makeTensor(preview.stats.std, dims));
        feeds[IO.domainMean] = stats[0];
        feeds[IO.domainStd] = stats[1];
      }
      const out = await this.head.run(feeds);
      outputs = Object.values(out);
      const probs = out[IO.probabilities];
      const c = this.config.numClasses;
      if (!probs || probs.type !== 'float32' || probs.size !== c) {
        throw new InferenceError(
          'run-failed',
          `head output ${IO.probabilities} must be float32 [1, ${c}]; got ${probs ? `${probs.type} [${probs.dims.join(', ')}]` : 'nothing'}`,
        );
      }
      const data = await probs.getData();
      if (!(data instanceof Float32Array)) throw new InferenceError('run-failed', 'head output is not float32');
      // NaN/Infinity (fp16 overflow, a broken model) must fail this utterance, not reach the view.
      const bad = data.findIndex((p) => !Number.isFinite(p));
      if (bad >= 0) {
        throw new InferenceError('invalid-output', `the model returned a non-finite probability (${data[bad]} for class ${bad}) on ${this.backend}`);
      }
      const result: PipelineResult = { probabilities: Float32Array.from(data) };
      const attention = this.config.attention;
      if (attention) result.attention = binAttention(await readAttention(out[attention.output], attention.output, hidden.dims[1]), attention.frameS);
      if (this.config.pooled) result.pooled = await readPooled(out[this.config.pooled.output], this.config.pooled.output, this.config.pooled.dim);
      if (!domain || !preview) return result;
      // Only now: a run that failed (and is retried on WASM) must not count twice.
      if (request.commit) domain.commit(preview.own);
      return { ...result, adaptation: { utterances: preview.adaptedOn, epoch: domain.epoch } };
    } catch (e) {
      if (e instanceof InferenceError) throw e;
      throw new InferenceError('run-failed', `${this.backend} run failed: ${describeError(e)}`, { cause: e });
    } finally {
      // GPU buffers are not garbage-collected: free them every run.
      hidden?.dispose();
      waveform.dispose();
      for (const t of stats) t.dispose();
      for (const t of outputs) t.dispose();
    }
  }
}

async function createChecked(
  config: PipelineConfig,
  which: 'upstream' | 'head',
  bytes: Uint8Array,
  input: string,
  output: string,
): Promise<SessionLike> {
  let session: SessionLike;
  try {
    session = await config.createSession(bytes, sessionOptions(config.backend, which, config.domain == null));
  } catch (e) {
    throw new ModelLoadError('session', `Could not create the ${which} session on ${config.backend}: ${describeError(e)}`, undefined, {
      cause: e,
    });
  }
  if (!session.inputNames.includes(input) || !session.outputNames.includes(output)) {
    await session.release().catch(() => undefined);
    throw new ModelLoadError(
      'session',
      `${which} model must have input "${input}" and output "${output}"; it has inputs [${session.inputNames.join(', ')}] and outputs [${session.outputNames.join(', ')}]`,
    );
  }
  return session;
}

/** A head must take domain_mean/domain_std exactly when the manifest has domain normalisation. */
async function checkDomainInputs(head: SessionLike, domain: boolean): Promise<void> {
  const has = [IO.domainMean, IO.domainStd].filter((n) => head.inputNames.includes(n));
  if (domain ? has.length === 2 : has.length === 0) return;
  await head.release().catch(() => undefined);
  throw new ModelLoadError(
    'session',
    domain
      ? `the manifest has domain_normalization, so the head model must have inputs "${IO.domainMean}" and "${IO.domainStd}"; it has inputs [${head.inputNames.join(', ')}]`
      : `the head model takes [${head.inputNames.join(', ')}], but the manifest has no domain_normalization to feed ${has.join(' and ')}`,
  );
}

/** The head must output the attention the manifest declares (an undeclared one is ignored). */
async function checkAttentionOutput(head: SessionLike, output: string | undefined): Promise<void> {
  if (output === undefined || head.outputNames.includes(output)) return;
  await head.release().catch(() => undefined);
  throw new ModelLoadError(
    'session',
    `the manifest declares head.attention, so the head model must have output "${output}"; it has outputs [${head.outputNames.join(', ')}]`,
  );
}

/** The head must output the pooled vector the manifest declares. */
async function checkPooledOutput(head: SessionLike, output: string | undefined): Promise<void> {
  if (output === undefined || head.outputNames.includes(output)) return;
  await head.release().catch(() => undefined);
  throw new ModelLoadError(
    'session',
    `the manifest declares head.pooled, so the head model must have output "${output}"; it has outputs [${head.outputNames.join(', ')}]`,
  );
}

/** The head's pooled output: float32 [1, dim], finite (it feeds the tuned layer); copied, the tensor is disposed. */
async function readPooled(t: Tensor | undefined, name: string, dim: number): Promise<Float32Array> {
  if (!t || t.type !== 'float32' || t.size !== dim) {
    throw new InferenceError('run-failed', `head output ${name} must be float32 [1, ${dim}]; got ${t ? `${t.type} [${t.dims.join(', ')}]` : 'nothing'}`);
  }
  const data = await t.getData();
  if (!(data instanceof Float32Array)) throw new InferenceError('run-failed', `head output ${name} is not float32`);
  const bad = data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new InferenceError('invalid-output', `the model returned a non-finite pooled value (${data[bad]} at ${bad})`);
  return Float32Array.from(data);
}

/** The head's attention output: float32 with one weight per upstream frame. */
async function readAttention(t: Tensor | undefined, name: string, frames: number | undefined): Promise<Float32Array> {
  if (!t || t.type !== 'float32' || t.size !== frames) {
    throw new InferenceError(
      'run-failed',
      `head output ${name} must be float32 [${frames}] (one weight per upstream frame); got ${t ? `${t.type} [${t.dims.join(', ')}]` : 'nothing'}`,
    );
  }
  const data = await t.getData();
  if (!(data instanceof Float32Array)) throw new InferenceError('run-failed', `head output ${name} is not float32`);
  return data;
}
