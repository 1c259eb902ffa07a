import { describe, expect, test } from 'vitest';
import { argmax, csvCell, formatTime, percent, topClass } from '../../src/results/postprocess';

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
  test('csvCell neutralises cells a spreadsheet would evaluate (OWASP) and quotes CR', () => {
    for (const lead of ['=', '+', '-', '@', '\t', '\r']) expect(csvCell(`${lead}1+1`).replace(/^"/, '')).toMatch(/^'/);
    expect(csvCell('=HYPERLINK("http://x.example/?a","y").wav')).toBe(`"'=HYPERLINK(""http://x.example/?a"",""y"").wav"`);
    expect(csvCell('a\rb')).toBe('"a\rb"');
    expect(csvCell('\rb')).toBe(`"'\rb"`);
    expect(csvCell('plain.wav')).toBe('plain.wav');
    expect(csvCell(-0.5)).toBe('-0.5'); // numbers stay numbers
  });
});
