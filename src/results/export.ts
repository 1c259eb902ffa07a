/**
 * The exported results: which app and model produced them, and every utterance, with file
 * results and microphone history kept apart (JSON: two arrays; CSV: a `source` column,
 * file rows first). The CSV carries every field the JSON has, one column each, so a
 * spreadsheet user loses nothing.
 */
import { attentionJSON } from './attention';
import { csvCell, topClass } from './postprocess';
import type { UtteranceResult } from './types';

/** What the export says about where it came from. */
export interface ExportContext {
  /** package.json version of the app (injected at build time). */
  appVersion: string;
  exportedAt: Date;
}

/** One utterance as exported. */
export interface ExportRow {
  id: string;
  source: 'file' | 'mic';
  file: string | null;
  start_s: number;
  end_s: number;
  top: string;
  /** Probabilities keyed by label, in the model's label order. */
  probabilities: Record<string, number>;
  model: string | null;
  model_name: string | null;
  model_version: string | null;
  labels: string[];
  backend: 'webgpu' | 'wasm';
  inference_ms: number;
  adapted_on: number | null;
  /** Top probability under the model's uncertainty threshold (false without one). */
  uncertain: boolean;
  /** With the model tuned to the user's voice: the shipped model's probabilities (`probabilities` are the tuned ones). */
  untuned_probabilities: Record<string, number> | null;
  attention: { bin_s: number; frames: number; weights: number[] } | null;
  at: string;
}

export interface ExportDocument {
  app: { name: 'emotion-recognizer'; version: string };
  exported_at: string;
  /** Every model that produced a row (history can hold results of several). */
  models: { name: string; version: string; labels: string[] }[];
  files: ExportRow[];
  microphone: ExportRow[];
}

/**
 * "name version" (UtteranceResult.model) split at the first space: manifest names have no
 * spaces (schema pattern), versions might.
 */
export function splitModel(model: string | undefined): { name: string; version: string } | null {
  if (!model) return null;
  const i = model.indexOf(' ');
  return i < 0 ? { name: model, version: '' } : { name: model.slice(0, i), version: model.slice(i + 1) };
}

const round = (x: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

export function exportRow(r: UtteranceResult): ExportRow {
  const m = splitModel(r.model);
  const untuned = r.untunedProbabilities;
  return {
    id: r.id,
    source: r.source,
    file: r.fileName ?? null,
    start_s: round(r.startS, 3),
    end_s: round(r.endS, 3),
    top: topClass(r.labels, r.probabilities).label,
    probabilities: Object.fromEntries(r.labels.map((l, i) => [l, round(r.probabilities[i], 6)])),
    model: r.model ?? null,
    model_name: m?.name ?? null,
    model_version: m?.version ?? null,
    labels: [...r.labels],
    backend: r.backend,
    inference_ms: round(r.inferenceMs, 1),
    adapted_on: r.adaptedOn ?? null,
    uncertain: r.uncertain === true,
    untuned_probabilities: untuned ? Object.fromEntries(r.labels.map((l, i) => [l, round(untuned[i], 6)])) : null,
    attention: r.attention ? attentionJSON(r.attention) : null,
    at: new Date(r.at).toISOString(),
  };
}

/** The export as data: file results and microphone history in separate arrays, each in history order. */
export function exportDocument(results: readonly UtteranceResult[], ctx: ExportContext): ExportDocument {
  const rows = results.map(exportRow);
  const models = new Map<string, ExportDocument['models'][number]>();
  for (const row of rows) {
    if (row.model !== null && !models.has(row.model)) models.set(row.model, { name: row.model_name ?? '', version: row.model_version ?? '', labels: row.labels });
  }
  return {
    app: { name: 'emotion-recognizer', version: ctx.appVersion },
    exported_at: ctx.exportedAt.toISOString(),
    models: [...models.values()],
    files: rows.filter((r) => r.source === 'file'),
    microphone: rows.filter((r) => r.source === 'mic'),
  };
}

export function exportJSON(results: readonly UtteranceResult[], ctx: ExportContext): string {
  return JSON.stringify(exportDocument(results, ctx), null, 2);
}

/**
 * The same document as CSV: one row per utterance (file rows, then microphone rows), one
 * `p_<label>` column per label of any row (empty where a row's model lacks it), labels
 * joined by `|`, the attention curve as compact JSON, and the app version and export time
 * repeated on each row.
 */
export function exportCSV(results: readonly UtteranceResult[], ctx: ExportContext): string {
  const doc = exportDocument(results, ctx);
  const rows = [...doc.files, ...doc.microphone];
  const labels: string[] = [];
  for (const r of rows) for (const l of r.labels) if (!labels.includes(l)) labels.push(l);
  const header = [
    'id', 'source', 'file', 'start_s', 'end_s', 'top', ...labels.map((l) => `p_${l}`),
    'model', 'model_name', 'model_version', 'labels', 'backend', 'inference_ms', 'adapted_on', 'uncertain',
    ...labels.map((l) => `untuned_p_${l}`), 'attention', 'at', 'app_version', 'exported_at',
  ];
  const body = rows.map((r) => [
    r.id, r.source, r.file ?? '', r.start_s, r.end_s, r.top, ...labels.map((l) => r.probabilities[l] ?? ''),
    r.model ?? '', r.model_name ?? '', r.model_version ?? '', r.labels.join('|'), r.backend, r.inference_ms, r.adapted_on ?? '',
    r.uncertain ? 'true' : 'false', ...labels.map((l) => r.untuned_probabilities?.[l] ?? ''),
    r.attention ? JSON.stringify(r.attention) : '', r.at, doc.app.version, doc.exported_at,
  ]);
  return [header, ...body].map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
}
