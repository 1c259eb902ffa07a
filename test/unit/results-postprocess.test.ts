import { describe, expect, test } from 'vitest';
import { argmax, csvCell, formatTime, percent, toCSV, toJSON, topClass } from '../../src/results/postprocess';
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

describe('post-processing', () => {
  test('argmax and topClass pick the largest probability', () => {
    expect(argmax([0.1, 0.7, 0.2])).toBe(1);
    expect(topClass(['a', 'b', 'c'], [0.5, 0.2, 0.3])).toEqual({ label: 'a', probability: 0.5, index: 0 });
  });
  test('bad outputs are errors, not silent answers', () => {
    expect(() => argmax([])).toThrow(/empty/);
    expect(() => argmax([0.2, NaN])).toThrow(/not finite/);
    expect(() => topClass(['a', 'b'], [1])).toThrow(/1 probabilities for 2 labels/);
  });
  test('formatting', () => {
    expect(percent(0.8249)).toBe('82%');
    expect(formatTime(0)).toBe('0:00.0');
    expect(formatTime(75.26)).toBe('1:15.3');
  });
  test('JSON export keys probabilities by label and rounds times', () => {
    const out = JSON.parse(toJSON([r('u1', [0.1, 0.2, 0.6, 0.1])]));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ id: 'u1', top: 'anger', start_s: 1.235, end_s: 3.5, file: 'a,b "c".wav', at: '2026-01-02T03:04:05.000Z' });
    expect(out[0].probabilities).toEqual({ neutral: 0.1, happiness: 0.2, anger: 0.6, sadness: 0.1 });
    expect(out[0]).toMatchObject({ model: 'whisper-base-3corpora 2.0.0', backend: 'wasm', inference_ms: 12.3 });
    expect(out[0]).not.toHaveProperty('adapted_on');
    expect(JSON.parse(toJSON([r('u2', [0.1, 0.2, 0.6, 0.1], { adaptedOn: 3 })]))[0].adapted_on).toBe(3);
  });
  test('CSV export quotes cells with commas and quotes, one column per label', () => {
    const lines = toCSV([r('u1', [0.1, 0.2, 0.6, 0.1]), r('u2', [0.7, 0.1, 0.1, 0.1], { source: 'mic', fileName: undefined, adaptedOn: 2 })]).trim().split('\n');
    expect(lines[0]).toBe('id,source,file,start_s,end_s,top,p_neutral,p_happiness,p_anger,p_sadness,backend,inference_ms,model,adapted_on,at');
    expect(lines[1]).toBe('u1,file,"a,b ""c"".wav",1.235,3.5,anger,0.1,0.2,0.6,0.1,wasm,12.3,whisper-base-3corpora 2.0.0,,2026-01-02T03:04:05.000Z');
    expect(lines[2].split(',').slice(-3, -1)).toEqual(['whisper-base-3corpora 2.0.0', '2']);
    expect(lines[2].split(',')[5]).toBe('neutral');
  });

  test('CSV neutralises cells a spreadsheet would evaluate (OWASP) and quotes CR', () => {
    for (const lead of ['=', '+', '-', '@', '\t', '\r']) expect(csvCell(`${lead}1+1`).replace(/^"/, '')).toMatch(/^'/);
    expect(csvCell('=HYPERLINK("http://x.example/?a","y").wav')).toBe(`"'=HYPERLINK(""http://x.example/?a"",""y"").wav"`);
    expect(csvCell('a\rb')).toBe('"a\rb"');
    expect(csvCell('\rb')).toBe(`"'\rb"`);
    expect(csvCell('plain.wav')).toBe('plain.wav');
    expect(csvCell(-0.5)).toBe('-0.5'); // numbers stay numbers
    const row = toCSV([r('u1', [0.1, 0.2, 0.6, 0.1], { fileName: '@SUM(A1).wav', labels: ['-x', 'happiness', 'anger', 'sadness'] })]).split('\n');
    expect(row[0]).toContain(',p_-x,');
    expect(row[1]).toContain(",'@SUM(A1).wav,");
    expect(row[1].split(',')[5]).toBe('anger');
  });
});
