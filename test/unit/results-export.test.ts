import { describe, expect, test } from 'vitest';
import { exportCSV, exportDocument, exportJSON, splitModel } from '../../src/results/export';
import type { UtteranceResult } from '../../src/results/types';

const r = (id: string, probabilities: number[], extra: Partial<UtteranceResult> = {}): UtteranceResult => ({
  id,
  source: 'file',
  fileName: 'a,b "c".wav',
  startS: 1.23456,
  endS: 3.5,
  labels: ['neutral', 'happiness', 'anger', 'sadness'],
  probabilities,
  at: Date.UTC(2026, 0, 2, 3, 4, 5),
  backend: 'wasm',
  inferenceMs: 12.345,
  model: 'whisper-base-3corpora 2.0.0',
  ...extra,
});
const ctx = { appVersion: '0.1.0', exportedAt: new Date(Date.UTC(2026, 11, 3, 10, 0, 0)) };

/** Minimal RFC 4180 reader (quoted cells with "" and commas), enough to read our own output back. */
function parseCSV(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(cell), (cell = '');
    else if (c === '\n') row.push(cell), rows.push(row), (row = []), (cell = '');
    else cell += c;
  }
  return rows;
}

const mixed = [
  r('u1', [0.1, 0.2, 0.6, 0.1], { source: 'mic', fileName: undefined, adaptedOn: 1 }),
  r('u2', [0.7, 0.1, 0.1, 0.1], { uncertain: true, untunedProbabilities: [0.4, 0.3, 0.2, 0.1] }),
  r('u3', [0.3, 0.7], { model: 'tiny 0.0.1 beta', labels: ['a', 'b'], backend: 'webgpu', attention: { weights: [0.25, 0.75], framesPerBin: 2, frameS: 0.02, frames: 4 } }),
];

describe('exports', () => {
  test('say which app, models, labels and backend produced them; files and microphone apart', () => {
    const doc = JSON.parse(exportJSON(mixed, ctx));
    expect(doc.app).toEqual({ name: 'emotion-recognizer', version: '0.1.0' });
    expect(doc.exported_at).toBe('2026-12-03T10:00:00.000Z');
    expect(doc.models).toEqual([
      { name: 'whisper-base-3corpora', version: '2.0.0', labels: ['neutral', 'happiness', 'anger', 'sadness'] },
      { name: 'tiny', version: '0.0.1 beta', labels: ['a', 'b'] },
    ]);
    expect(doc.files.map((x: { id: string }) => x.id)).toEqual(['u2', 'u3']);
    expect(doc.microphone.map((x: { id: string }) => x.id)).toEqual(['u1']);
    expect(doc.microphone[0]).toMatchObject({ source: 'mic', file: null, top: 'anger', backend: 'wasm', inference_ms: 12.3, adapted_on: 1, model_name: 'whisper-base-3corpora' });
    expect(doc.files[0]).toMatchObject({ uncertain: true, untuned_probabilities: { neutral: 0.4, happiness: 0.3, anger: 0.2, sadness: 0.1 } });
    expect(doc.microphone[0]).toMatchObject({ uncertain: false, untuned_probabilities: null });
    expect(doc.files[1]).toMatchObject({ backend: 'webgpu', attention: { bin_s: 0.04, frames: 4, weights: [0.25, 0.75] }, labels: ['a', 'b'] });
  });

  test('CSV has a column for every JSON field, and the same values', () => {
    const doc = exportDocument(mixed, ctx);
    const [header, ...rows] = parseCSV(exportCSV(mixed, ctx));
    const rowKeys = Object.keys(doc.files[0]).filter((k) => k !== 'probabilities' && k !== 'untuned_probabilities');
    for (const k of rowKeys) expect(header).toContain(k);
    expect(header).toEqual(expect.arrayContaining(['app_version', 'exported_at', 'p_neutral', 'p_sadness', 'p_a', 'p_b']));
    // Files first, then microphone, like the JSON's sections.
    expect(rows.map((x) => x[header.indexOf('id')])).toEqual(['u2', 'u3', 'u1']);
    const json = [...doc.files, ...doc.microphone];
    rows.forEach((cells, i) => {
      const cell = (k: string) => cells[header.indexOf(k)];
      const j = json[i];
      expect(cell('file')).toBe(j.file ?? '');
      expect(Number(cell('inference_ms'))).toBe(j.inference_ms);
      expect(cell('backend')).toBe(j.backend);
      expect(cell('model_version')).toBe(j.model_version);
      expect(cell('labels').split('|')).toEqual(j.labels);
      expect(cell('attention')).toBe(j.attention ? JSON.stringify(j.attention) : '');
      expect(cell('adapted_on')).toBe(j.adapted_on === null ? '' : String(j.adapted_on));
      expect(cell('app_version')).toBe('0.1.0');
      for (const [l, p] of Object.entries(j.probabilities)) expect(Number(cell(`p_${l}`))).toBe(p);
      expect(cell('uncertain')).toBe(String(j.uncertain));
      for (const l of j.labels) expect(cell(`untuned_p_${l}`)).toBe(j.untuned_probabilities ? String(j.untuned_probabilities[l]) : '');
    });
    // A label the row's model does not have is empty, not 0.
    expect(rows[0][header.indexOf('p_a')]).toBe('');
  });

  test('JSON rows: probabilities keyed by label, times rounded, null where a field does not apply', () => {
    const [row] = exportDocument([r('u1', [0.1, 0.2, 0.6, 0.1])], ctx).files;
    expect(row).toMatchObject({ id: 'u1', top: 'anger', start_s: 1.235, end_s: 3.5, file: 'a,b "c".wav', at: '2026-01-02T03:04:05.000Z' });
    expect(row.probabilities).toEqual({ neutral: 0.1, happiness: 0.2, anger: 0.6, sadness: 0.1 });
    expect(row).toMatchObject({ adapted_on: null, attention: null, untuned_probabilities: null, uncertain: false });
  });

  test('CSV quotes commas and quotes, and neutralises file names and labels a spreadsheet would evaluate', () => {
    const text = exportCSV([r('u1', [0.1, 0.2, 0.6, 0.1], { fileName: '@SUM(A1).wav', labels: ['-x', 'happiness', 'anger', 'sadness'] }), r('u2', [0.7, 0.1, 0.1, 0.1])], ctx);
    const lines = text.trim().split('\n');
    expect(lines[0]).toContain(',p_-x,');
    expect(lines[1]).toContain(",'@SUM(A1).wav,");
    expect(lines[2]).toContain(',"a,b ""c"".wav",');
    const [header, ...rows] = parseCSV(text);
    expect(rows.map((x) => x[header.indexOf('top')])).toEqual(['anger', 'neutral']);
    expect(rows[0][header.indexOf('labels')]).toBe("'-x|happiness|anger|sadness");
  });

  test('model strings split at the first space (names have none)', () => {
    expect(splitModel('default 1.0.0')).toEqual({ name: 'default', version: '1.0.0' });
    expect(splitModel(undefined)).toBeNull();
  });
});
