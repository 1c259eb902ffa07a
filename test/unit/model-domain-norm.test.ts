/**
 * src/model/domain-norm.ts and domain-session.ts against training/domain.py: the numbers in
 * test/fixtures/domain/running-stats.json were made by the Python functions
 * (test/fixtures/make_domain_fixture.py).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { type DomainModel, frameSums, meanStd, parsePrior, runningStats } from '../../src/model/domain-norm.ts';
import { SessionStats } from '../../src/model/domain-session.ts';

interface Fixture {
  layers: number;
  dim: number;
  prior_frames: number;
  std_floor: number;
  prior: { mean: number[]; std: number[] };
  prior_file_base64: string;
  utterances: { frames: number; hidden: number[] }[];
  expected: { mean: number[]; std: number[] }[];
  constant_session: { hidden: number[]; frames: number; mean: number[]; std: number[] };
}

const fx = JSON.parse(readFileSync('test/fixtures/domain/running-stats.json', 'utf8')) as Fixture;
const model: DomainModel = {
  prior: { mean: Float32Array.from(fx.prior.mean), std: Float32Array.from(fx.prior.std) },
  priorFrames: fx.prior_frames,
  stdFloor: fx.std_floor,
  layers: fx.layers,
  dim: fx.dim,
};
const hidden = fx.utterances.map((u) => Float32Array.from(u.hidden));
const dims = (k: number) => [fx.layers, fx.utterances[k].frames, fx.dim];

/** Largest |a - b| relative to max(1, |b|). */
function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return worst;
}

describe('domain-norm (twin of training/domain.py)', () => {
  test('the prior file parses to the prior (float32 LE: mean then std)', () => {
    const bytes = Uint8Array.from(Buffer.from(fx.prior_file_base64, 'base64'));
    const prior = parsePrior(bytes, fx.layers, fx.dim, 'domain-prior.f32');
    expect(Array.from(prior.mean)).toEqual(fx.prior.mean);
    expect(Array.from(prior.std)).toEqual(fx.prior.std);
  });

  test('a prior file of the wrong size is refused with an error naming the file and the sizes', () => {
    expect(() => parsePrior(new Uint8Array(12), 2, 5, 'https://x/m/domain-prior.f32')).toThrow(
      'https://x/m/domain-prior.f32 has 12 bytes; a model with 2 layers x 5 channels needs 2 x 2 x 5 float32 = 80 bytes (mean then std)',
    );
  });

  test('running statistics after each utterance (1..k inclusive) equal Python running_stats within 1e-6', () => {
    let heard = null as ReturnType<typeof frameSums> | null;
    fx.utterances.forEach((_, k) => {
      const own = frameSums(hidden[k], fx.layers, fx.utterances[k].frames, fx.dim);
      heard = heard ? { n: heard.n + own.n, s: heard.s.map((v, i) => v + own.s[i]), ss: heard.ss.map((v, i) => v + own.ss[i]) } : own;
      const got = runningStats(model, heard);
      expect(maxRelDiff(got.mean, fx.expected[k].mean)).toBeLessThan(1e-6);
      expect(maxRelDiff(got.std, fx.expected[k].std)).toBeLessThan(1e-6);
    });
  });

  test('with nothing heard the statistics are the prior', () => {
    const got = runningStats(model, null);
    expect(maxRelDiff(got.mean, fx.prior.mean)).toBeLessThan(1e-6);
    expect(maxRelDiff(got.std, fx.prior.std)).toBeLessThan(1e-6);
  });

  test('a constant channel gets the std floor, not 0 (and not NaN from rounding below zero)', () => {
    const c = fx.constant_session;
    const got = runningStats({ ...model, prior: { mean: new Float32Array(10), std: new Float32Array(10) }, priorFrames: 1 }, frameSums(c.hidden, 2, c.frames, 5));
    expect(maxRelDiff(got.mean, c.mean)).toBeLessThan(1e-6);
    expect(Array.from(got.std)).toEqual(c.std);
    expect(meanStd(frameSums(c.hidden, 2, c.frames, 5), 0.5).std.every((s) => s === 0.5)).toBe(true);
  });

  test('frameSums refuses hidden states whose size does not match [L, T, D]', () => {
    expect(() => frameSums(new Float32Array(7), 2, 1, 5)).toThrow('hidden states have 7 values, expected 2 x 1 x 5');
  });
});

describe('SessionStats (the page\'s running estimate)', () => {
  test('utterance k is normalised with utterances 1..k; preview does not add, commit does', () => {
    const session = new SessionStats(model);
    fx.utterances.forEach((_, k) => {
      const first = session.preview(hidden[k], dims(k));
      const again = session.preview(hidden[k], dims(k)); // e.g. a retried run
      expect(again.stats.mean).toEqual(first.stats.mean);
      expect(first.adaptedOn).toBe(k + 1);
      expect(maxRelDiff(first.stats.mean, fx.expected[k].mean)).toBeLessThan(1e-6);
      expect(maxRelDiff(first.stats.std, fx.expected[k].std)).toBeLessThan(1e-6);
      session.commit(first.own);
      expect(session.utterances).toBe(k + 1);
    });
  });

  test('a new epoch starts from the prior again: the next utterance is normalised like a first one', () => {
    const session = new SessionStats(model);
    for (const k of [0, 1]) session.commit(session.preview(hidden[k], dims(k), 0).own);
    expect(session.preview(hidden[1], dims(1), 0).adaptedOn).toBe(3); // same epoch: still adapting
    const after = session.preview(hidden[0], dims(0), 1);
    expect(after.adaptedOn).toBe(1);
    expect(session.epoch).toBe(1);
    expect(maxRelDiff(after.stats.mean, fx.expected[0].mean)).toBeLessThan(1e-6);
    session.reset();
    expect([session.utterances, session.epoch]).toEqual([0, 2]);
  });

  test('hidden states of another shape than the prior are refused', () => {
    const session = new SessionStats(model);
    expect(() => session.preview(new Float32Array(12), [3, 1, 4])).toThrow('hidden states are [3, 1, 4]; the domain statistics are for [2, T, 5]');
  });
});
