/** Pure post-processing of model outputs: top class, percentages, exports. */
import { attentionJSON } from './attention';
import type { UtteranceResult } from './types';

export interface Ranked {
  label: string;
  probability: number;
  index: number;
}

/** Index of the largest probability; throws on empty or non-finite input (a silent wrong answer is worse). */
export function argmax(probabilities: ArrayLike<number>): number {
  if (probabilities.length === 0) throw new Error('argmax of an empty probability vector');
  let best = 0;
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i];
    if (!Number.isFinite(p)) throw new Error(`probability ${i} is not finite (${p})`);
    if (p > probabilities[best]) best = i;
  }
  return best;
}

/** The winning class of one result. */
export function topClass(labels: readonly string[], probabilities: ArrayLike<number>): Ranked {
  if (labels.length !== probabilities.length) {
    throw new Error(`model returned ${probabilities.length} probabilities for ${labels.length} labels`);
  }
  const index = argmax(probabilities);
  return { label: labels[index], probability: probabilities[index], index };
}

/** "42%" style text; never shows 100% for a value below 0.995 rounding artefacts aside. */
export function percent(p: number): string {
  return `${Math.round(p * 100)}%`;
}

/** Seconds as m:ss.s for timelines and history. */
export function formatTime(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds - m * 60;
  return `${m}:${s.toFixed(1).padStart(4, '0')}`;
}

/** Results as JSON text (one object per utterance, probabilities keyed by label). */
export function toJSON(results: readonly UtteranceResult[]): string {
  return JSON.stringify(
    results.map((r) => ({
      id: r.id,
      source: r.source,
      file: r.fileName ?? null,
      start_s: round(r.startS, 3),
      end_s: round(r.endS, 3),
      top: topClass(r.labels, r.probabilities).label,
      probabilities: Object.fromEntries(r.labels.map((l, i) => [l, round(r.probabilities[i], 6)])),
      backend: r.backend,
      inference_ms: round(r.inferenceMs, 1),
      model: r.model ?? null,
      ...(r.adaptedOn !== undefined ? { adapted_on: r.adaptedOn } : {}),
      ...(r.attention ? { attention: attentionJSON(r.attention) } : {}),
      at: new Date(r.at).toISOString(),
    })),
    null,
    2,
  );
}

/**
 * Results as CSV with one probability column per label (labels of the first result), then
 * what produced each row: backend, inference time, model and how many utterances the model
 * had adapted on (empty for models without domain normalisation).
 */
export function toCSV(results: readonly UtteranceResult[]): string {
  const labels = results[0]?.labels ?? [];
  const header = ['id', 'source', 'file', 'start_s', 'end_s', 'top', ...labels.map((l) => `p_${l}`), 'backend', 'inference_ms', 'model', 'adapted_on', 'at'];
  const rows = results.map((r) => [
    r.id,
    r.source,
    r.fileName ?? '',
    round(r.startS, 3),
    round(r.endS, 3),
    topClass(r.labels, r.probabilities).label,
    ...labels.map((l) => round(r.probabilities[r.labels.indexOf(l)] ?? NaN, 6)),
    r.backend,
    round(r.inferenceMs, 1),
    r.model ?? '',
    r.adaptedOn ?? '',
    new Date(r.at).toISOString(),
  ]);
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Leading characters a spreadsheet may read as the start of a formula (OWASP CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV cell. Text that a spreadsheet could evaluate (file names, labels) gets a leading
 * `'`; numbers are written as they are. Cells with `"`, `,`, CR or LF are quoted.
 */
export function csvCell(v: string | number): string {
  const s = typeof v === 'number' ? String(v) : FORMULA_START.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
