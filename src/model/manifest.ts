/**
 * The model manifest (schemas/manifest.schema.json): types, validation and loading.
 * Validation uses a validator generated ahead of time (no eval under the app's CSP);
 * errors name the failing field. File paths resolve relative to the manifest URL.
 */
import type { ModelCache } from './cache.ts';
import { LOAD_TIMEOUTS, withDeadline } from './deadline.ts';
import { ModelLoadError, describeError } from './errors.ts';
import { checkModelOrigin } from './origin-policy.ts';
import { validate, type ValidationError } from './manifest-validator.generated.js';
import type { BackendName } from './backend.ts';

/** A file next to the manifest. */
export interface ManifestFileRef {
  /** Path relative to the manifest's folder. */
  file: string;
  bytes: number;
  /** Lowercase hex SHA-256. */
  sha256: string;
}

/** One upstream variant (`upstream.<id>.onnx`). */
export interface UpstreamVariant extends ManifestFileRef {
  /** fp32 | fp16 | q8 | q4 | int8 | ... */
  id: string;
  /** Weight storage dtype, e.g. float32, float16, int8, int4 (IO is always float32). */
  dtype: string;
  /** Backends this variant runs on. */
  backends: BackendName[];
  /** Device features needed, e.g. `shader-f16`. */
  requires: string[];
}

/** Upstream description: waveform [1, S] -> hidden_states [L, T, D]. */
export interface UpstreamSpec {
  name: string;
  kind: string;
  num_layers: number;
  dim: number;
  downsample_rate: number;
  min_samples: number;
  /** Applied inside the upstream graph (documentation only: the browser feeds raw audio). */
  normalization: string;
  input: 'waveform';
  output: 'hidden_states';
  variants: UpstreamVariant[];
  licence: string;
  provenance: string;
}

/** Head description: hidden_states [L, T, D] -> probabilities [1, C]. */
export interface HeadSpec extends ManifestFileRef {
  type: 'mean' | 'meanstd' | 'cp' | 'corrap';
  input: 'hidden_states';
  output: 'probabilities';
  label_smoothing?: number;
  /**
   * CorrAP heads: a second output with the attention over time, float32 [frames], one weight per
   * upstream frame (sums to 1). Absent: no attention to show.
   */
  attention?: { output: 'attention' };
  /**
   * A further output with the pooled representation the final linear layer reads, float32
   * [1, dim], and that layer in `classifier` (float32 LE: W [labels, dim] row-major, then b
   * [labels]). Lets the page refit the layer to one user's voice (issue 15).
   */
  pooled?: { output: 'pooled'; dim: number; classifier: ManifestFileRef };
  licence: string;
  provenance: string;
}

/** Cross-validation metrics of the model (shown on the model card). */
export interface ManifestMetrics {
  protocol: string;
  dataset: string;
  classes: string[];
  folds: Array<{ group: string; n_test: number; accuracy: number; uar: number }>;
  mean_accuracy: number;
  std_accuracy: number;
  mean_uar: number;
  std_uar?: number;
  confusion: number[][];
}

/** One held-out set's scores (fractions in [0, 1]). */
export interface HeldOutScores {
  n: number;
  language?: string;
  accuracy: number;
  uar: number;
  /** Each clip as the first utterance the page hears (before adapting to the voice). */
  uar_cold?: number;
  ece?: number;
  recall?: Record<string, number>;
}

/** How the model's recipe did on corpora and speakers it never saw (training/cli.py evaluation_from). */
export interface ManifestEvaluation {
  protocol: string;
  source?: string;
  leave_one_corpus_out: Record<string, HeldOutScores>;
  leave_one_speaker_out?: Record<string, HeldOutScores>;
  mean_uar_loco?: number;
  mean_uar_loco_cold?: number;
  uncertain_below?: number;
}

/** Few-shot personal calibration recipe (training/calibration.py); needs `head.pooled`. */
export interface CalibrationSpec {
  method: 'bias' | 'linear';
  l2: number;
  steps: number;
  /** Step size as a fraction of the curvature bound (<= 1 always descends). */
  lr: number;
  /** Examples each class needs before the tuned layer is used. */
  min_per_class?: number;
}

/**
 * Session domain normalisation (training/domain.py): the head also takes `domain_mean` and
 * `domain_std` [L, D], running statistics of the session's speech starting from `prior`.
 */
export interface DomainNormalizationSpec {
  type: 'session_running';
  /** float32 little-endian: mean [L*D] then std [L*D]. */
  prior: ManifestFileRef;
  /** Weight of the prior in the running estimate, in frames. */
  prior_frames: number;
  std_floor: number;
}

/** One corpus the head was trained on (training/manifest.py training_data_from). */
export interface TrainingCorpus {
  corpus: string;
  citation?: string;
  language: string;
  speakers: number;
  clips: number;
  style: 'acted' | 'natural';
  licence: string;
}

/** A validated manifest as written by training/manifest.py. */
export interface Manifest {
  name: string;
  version: string;
  description?: string;
  /** Class names in the order of the head's output. */
  labels: string[];
  sample_rate: 16000;
  upstream: UpstreamSpec;
  head: HeadSpec;
  metrics?: ManifestMetrics;
  evaluation?: ManifestEvaluation;
  /** What the head was trained on, per corpus (absent: not stated). */
  training_data?: TrainingCorpus[];
  fidelity?: ManifestFileRef;
  /** Absent: the model cannot be tuned to a voice. */
  calibration?: CalibrationSpec;
  /** Absent: the head takes hidden_states only. */
  domain_normalization?: DomainNormalizationSpec;
  licence: string;
  provenance: string;
  /** Model card path relative to the manifest. */
  model_card: string;
}

/** A manifest plus the URL it came from (every relative path resolves against it). */
export interface LoadedManifest {
  manifest: Manifest;
  /** Absolute URL of manifest.json. */
  url: string;
}

/** `manifest.upstream.variants.0.sha256`-style name of a JSON Pointer. */
function fieldName(pointer: string): string {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  return ['manifest', ...parts].join('.');
}

/** One readable line per schema error, naming the field. */
export function formatValidationErrors(errors: readonly ValidationError[]): string[] {
  const lines = errors.map((e) => {
    const missing = e.params['missingProperty'];
    if (e.keyword === 'required' && typeof missing === 'string') {
      return `${fieldName(`${e.instancePath}/${missing}`)}: is required`;
    }
    const extra = e.params['additionalProperty'];
    if (e.keyword === 'additionalProperties' && typeof extra === 'string') {
      return `${fieldName(`${e.instancePath}/${extra}`)}: is not an allowed field`;
    }
    return `${fieldName(e.instancePath)}: ${e.message ?? e.keyword}`;
  });
  return [...new Set(lines)];
}

/**
 * Validates parsed JSON against the schema plus the checks a schema cannot express.
 * Throws {@link ModelLoadError} `invalid-manifest` whose message names each failing field.
 */
export function validateManifest(data: unknown, url = 'manifest.json'): Manifest {
  if (!validate(data)) {
    const lines = formatValidationErrors(validate.errors ?? []);
    throw new ModelLoadError('invalid-manifest', `Invalid model manifest ${url}:\n  ${lines.join('\n  ')}`, url);
  }
  const m = data as Manifest;
  const ids = m.upstream.variants.map((v) => v.id);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup !== undefined) {
    throw new ModelLoadError('invalid-manifest', `Invalid model manifest ${url}:\n  manifest.upstream.variants: duplicate id "${dup}"`, url);
  }
  return m;
}

export { resolveModelUrl } from './urls.ts';

/** Options of {@link loadManifest}. */
export interface LoadManifestOptions {
  /** Base for a relative `manifestUrl` (default: the document or worker location). */
  base?: string;
  fetch?: typeof fetch;
  /** Keeps the last good manifest so a later visit without network still loads. */
  cache?: ModelCache;
  /** Limit for the request and its body (default {@link LOAD_TIMEOUTS}.manifestMs). */
  timeoutMs?: number;
  /** Origins the manifest may come from (also after redirects); unset: any. */
  allowedOrigins?: readonly string[];
}

/** Largest manifest accepted: real ones are a few KB; the bound keeps parsing and validation cheap. */
export const MAX_MANIFEST_BYTES = 1 << 20;

/**
 * Fetches and validates a manifest; when the network is unreachable, falls back to the
 * copy cached on the last successful load. Throws {@link ModelLoadError}.
 */
export async function loadManifest(manifestUrl: string, opts: LoadManifestOptions = {}): Promise<LoadedManifest> {
  const url = new URL(manifestUrl, opts.base ?? globalThis.location?.href).href;
  const allowed = opts.allowedOrigins;
  if (allowed) checkModelOrigin(url, allowed, 'model manifest');
  let text: string;
  try {
    text = await fetchManifestText(url, opts.fetch ?? fetch, opts.timeoutMs ?? LOAD_TIMEOUTS.manifestMs, allowed);
  } catch (e) {
    const unreachable = e instanceof ModelLoadError && (e.code === 'network' || e.code === 'timeout');
    const offline = unreachable ? await cachedText(url, opts.cache) : null;
    if (offline === null) throw e;
    text = offline;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ModelLoadError('invalid-manifest', `Model manifest ${url} is not valid JSON: ${describeError(e)}`, url, { cause: e });
  }
  const manifest = validateManifest(json, url);
  await opts.cache?.put(url, new TextEncoder().encode(text));
  return { manifest, url };
}

async function cachedText(url: string, cache: ModelCache | undefined): Promise<string | null> {
  try {
    const hit = await cache?.match(url);
    return hit ? await hit.text() : null;
  } catch {
    return null;
  }
}

async function fetchManifestText(url: string, doFetch: typeof fetch, timeoutMs: number, allowed: readonly string[] | undefined): Promise<string> {
  const abort = new AbortController();
  const timedOut = (): ModelLoadError => {
    abort.abort();
    return new ModelLoadError('timeout', `The model manifest ${url} did not arrive within ${timeoutMs / 1000} s.`, url);
  };
  return withDeadline(fetchManifestBody(url, doFetch, abort.signal, allowed), timeoutMs, timedOut);
}

async function fetchManifestBody(url: string, doFetch: typeof fetch, signal: AbortSignal, allowed: readonly string[] | undefined): Promise<string> {
  let res: Response;
  try {
    // Always revalidate: a new model version must not be hidden by the HTTP cache.
    res = await doFetch(url, { cache: 'no-cache', signal });
  } catch (e) {
    throw new ModelLoadError('network', `Could not fetch the model manifest ${url}: ${describeError(e)}`, url, { cause: e });
  }
  // A redirect to another origin is refused like a direct link to it (its body is not read).
  if (allowed && res.url) checkModelOrigin(res.url, allowed, 'model manifest (redirected)');
  if (res.status === 404 || res.status === 410) {
    throw new ModelLoadError('not-found', `Model manifest not found (HTTP ${res.status}): ${url}`, url);
  }
  if (!res.ok) throw new ModelLoadError('network', `HTTP ${res.status} while fetching the model manifest ${url}`, url);
  const tooLarge = (): ModelLoadError =>
    new ModelLoadError('invalid-manifest', `Model manifest ${url} is larger than ${MAX_MANIFEST_BYTES} bytes; a manifest is a few KB.`, url);
  if (Number(res.headers.get('Content-Length')) > MAX_MANIFEST_BYTES) {
    await res.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  let text: string;
  try {
    text = await res.text();
  } catch (e) {
    throw new ModelLoadError('network', `Could not read the model manifest ${url}: ${describeError(e)}`, url, { cause: e });
  }
  if (text.length > MAX_MANIFEST_BYTES) throw tooLarge();
  return text;
}
