/**
 * What "Tune to my voice" keeps for one model version: labelled pooled vectors (features,
 * never audio), the tuned layer and the on/off switch. The same record goes to IndexedDB
 * (structured clone) and, as JSON with base64 arrays, to the Export/Import file.
 */
import type { LinearLayer } from './fit';

/** Which model (name + version) a voice profile belongs to; another version never reuses it. */
export interface VoiceModelKey {
  name: string;
  version: string;
}

/** One labelled example: the head's pooled vector for an utterance of the user's. */
export interface VoiceExample {
  /** Class index into the model's labels. */
  label: number;
  /** Pooled vector [dim]. */
  x: Float32Array;
  /** Recorded after a prompt, or a history row the user corrected. */
  source: 'prompt' | 'correction';
  /** When it was added (ms since epoch). */
  at: number;
}

/** The stored state for one model version. */
export interface VoiceProfile {
  model: VoiceModelKey;
  labels: string[];
  dim: number;
  examples: VoiceExample[];
  /** The refitted final layer; null until every class has enough examples. */
  tuned: LinearLayer | null;
  /** The user's switch: results use the tuned layer only when on. */
  enabled: boolean;
}

/** The storage key of a model version. */
export function profileKey(m: VoiceModelKey): string {
  return `${m.name}@${m.version}`;
}

const FORMAT = 'ser-voice-profile';
const FORMAT_VERSION = 1;

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(text: string, what: string): Uint8Array {
  let s: string;
  try {
    s = atob(text);
  } catch {
    throw new VoiceFileError(`${what} is not valid base64`);
  }
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Little-endian bytes of a typed array (the platform's order is little-endian everywhere we run). */
function bytesOf(a: Float32Array | Float64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** An Import file that cannot be used, with a message for the user. */
export class VoiceFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VoiceFileError';
  }
}

/** The Export file's text: features and weights as base64 float32/float64, labels by name. */
export function exportProfile(p: VoiceProfile): string {
  return JSON.stringify({
    format: FORMAT,
    formatVersion: FORMAT_VERSION,
    note: 'Tune-to-my-voice data of the Speech Emotion Recognizer: features and labels of your examples and the tuned layer; no audio.',
    model: { name: p.model.name, version: p.model.version },
    labels: p.labels,
    dim: p.dim,
    enabled: p.enabled,
    examples: p.examples.map((e) => ({ label: p.labels[e.label], source: e.source, at: e.at, x: toBase64(bytesOf(e.x)) })),
    tuned: p.tuned ? { w: toBase64(bytesOf(p.tuned.w)), b: Array.from(p.tuned.b) } : null,
  });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function finiteArray<T extends Float32Array | Float64Array>(a: T, want: number, what: string): T {
  if (a.length !== want) throw new VoiceFileError(`${what} has ${a.length} values; this model needs ${want}`);
  if (!a.every(Number.isFinite)) throw new VoiceFileError(`${what} has values that are not finite numbers`);
  return a;
}

/**
 * Parses and checks an Import file against the loaded model. Throws {@link VoiceFileError}
 * with a message for the user: not such a file, made for another model or version, or damaged.
 */
export function importProfile(text: string, expect: { model: VoiceModelKey; labels: readonly string[]; dim: number }): VoiceProfile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new VoiceFileError('This is not a voice profile: the file is not JSON.');
  }
  if (!isRecord(data) || data.format !== FORMAT) throw new VoiceFileError('This is not a voice profile exported by this app.');
  if (data.formatVersion !== FORMAT_VERSION) throw new VoiceFileError(`This voice profile has format version ${String(data.formatVersion)}; this app reads version ${FORMAT_VERSION}.`);
  const model = data.model;
  if (!isRecord(model) || typeof model.name !== 'string' || typeof model.version !== 'string') throw new VoiceFileError('The voice profile does not say which model it is for.');
  if (model.name !== expect.model.name || model.version !== expect.model.version) {
    throw new VoiceFileError(
      `This voice profile was made for model ${model.name} ${model.version}; the loaded model is ${expect.model.name} ${expect.model.version}. Tuning belongs to one model version: record new examples for this one.`,
    );
  }
  if (!Array.isArray(data.labels) || data.labels.length !== expect.labels.length || data.labels.some((l, i) => l !== expect.labels[i])) {
    throw new VoiceFileError(`The voice profile's emotions (${String(data.labels)}) are not this model's (${expect.labels.join(', ')}).`);
  }
  if (data.dim !== expect.dim) throw new VoiceFileError(`The voice profile's features have ${String(data.dim)} values; this model's have ${expect.dim}.`);
  if (!Array.isArray(data.examples) || data.examples.length > 10_000) throw new VoiceFileError('The voice profile has no readable list of examples.');
  const labels = [...expect.labels];
  const examples: VoiceExample[] = data.examples.map((e: unknown, i: number) => {
    if (!isRecord(e) || typeof e.x !== 'string' || typeof e.label !== 'string') throw new VoiceFileError(`Example ${i + 1} is damaged.`);
    const label = labels.indexOf(e.label);
    if (label < 0) throw new VoiceFileError(`Example ${i + 1} is labelled "${e.label}", which this model does not know.`);
    const bytes = fromBase64(e.x, `Example ${i + 1}`);
    if (bytes.length !== 4 * expect.dim) throw new VoiceFileError(`Example ${i + 1} has ${bytes.length / 4} values; this model needs ${expect.dim}.`);
    const x = finiteArray(new Float32Array(bytes.buffer), expect.dim, `Example ${i + 1}`);
    return { label, x, source: e.source === 'correction' ? 'correction' : 'prompt', at: typeof e.at === 'number' && Number.isFinite(e.at) ? e.at : 0 };
  });
  let tuned: VoiceProfile['tuned'] = null;
  if (data.tuned !== null && data.tuned !== undefined) {
    const t = data.tuned;
    if (!isRecord(t) || typeof t.w !== 'string' || !Array.isArray(t.b)) throw new VoiceFileError('The tuned layer in the voice profile is damaged.');
    const wb = fromBase64(t.w, 'The tuned layer');
    if (wb.length % 8 !== 0) throw new VoiceFileError('The tuned layer in the voice profile is damaged.');
    const w = finiteArray(new Float64Array(wb.buffer), labels.length * expect.dim, 'The tuned layer');
    const b = finiteArray(Float64Array.from(t.b.map((v) => (typeof v === 'number' ? v : NaN))), labels.length, 'The tuned bias');
    tuned = { classes: labels.length, dim: expect.dim, w, b };
  }
  return { model: { ...expect.model }, labels, dim: expect.dim, examples, tuned, enabled: data.enabled !== false };
}
