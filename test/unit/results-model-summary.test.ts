import { describe, expect, it } from 'vitest';
import { percent, summariseModel } from '../../src/results/model-summary';

const base = { licence: 'CC BY-NC-SA 4.0', labels: ['anger', 'happiness', 'neutral', 'sadness'] };

describe('summariseModel', () => {
  it('takes unseen-corpus and in-corpus scores from the evaluation, chance from the labels', () => {
    const s = summariseModel({
      ...base,
      description: 'whisper-base + mean+std',
      evaluation: {
        protocol: 'loco',
        leave_one_corpus_out: {
          emodb: { n: 339, language: 'German', accuracy: 0.8, uar: 0.82, uar_cold: 0.7 },
          nemo: { n: 3076, language: 'Polish', accuracy: 0.68, uar: 0.62, uar_cold: 0.5 },
        },
        leave_one_speaker_out: { emodb: { n: 339, language: 'German', accuracy: 0.93, uar: 0.92 } },
      },
    });
    expect(s.unseen?.meanUar).toBeCloseTo(0.72, 10);
    expect(s.unseen?.meanUarFirst).toBeCloseTo(0.6, 10);
    expect(s.unseen?.corpora.map((c) => [c.corpus, c.language])).toEqual([['EmoDB', 'German'], ['nEMO', 'Polish']]);
    expect(s.inCorpus?.corpora).toEqual([{ corpus: 'EmoDB', language: 'German', uar: 0.92, n: 339 }]);
    expect(s.chanceUar).toBe(0.25);
    expect(s.description).toBe('whisper-base + mean+std');
  });

  it('prefers the recorded means, and says nothing it was not told', () => {
    const s = summariseModel({
      ...base,
      evaluation: {
        protocol: 'loco',
        leave_one_corpus_out: { ravdess: { n: 672, accuracy: 0.49, uar: 0.45 } },
        mean_uar_loco: 0.5,
      },
    });
    expect(s.unseen).toEqual({ meanUar: 0.5, meanUarFirst: null, corpora: [{ corpus: 'RAVDESS', language: null, uar: 0.45, n: 672 }] });
    expect(s.inCorpus).toBeNull();
    expect(s.description).toBeNull();
  });

  it('falls back to cross-validation metrics for in-corpus, and to null for unseen', () => {
    const s = summariseModel({
      ...base,
      metrics: {
        protocol: 'LOSO', dataset: 'EmoDB', classes: base.labels, confusion: [],
        folds: [{ group: '03', n_test: 39, accuracy: 0.9, uar: 0.9 }, { group: '08', n_test: 42, accuracy: 0.8, uar: 0.8 }],
        mean_accuracy: 0.85, std_accuracy: 0.05, mean_uar: 0.85,
      },
    });
    expect(s.unseen).toBeNull();
    expect(s.inCorpus?.corpora).toEqual([{ corpus: 'EmoDB', language: null, uar: 0.85, n: 81 }]);
  });

  it('formats percentages with one decimal', () => {
    expect(percent(0.7204)).toBe('72.0 %');
  });
});

describe('training data in the summary', () => {
  it('passes the manifest training_data through, and names the languages once each', async () => {
    const { languagesOf } = await import('../../src/results/model-summary');
    const { readFileSync } = await import('node:fs');
    const m = JSON.parse(readFileSync(new URL('../../public/models/default/manifest.json', import.meta.url), 'utf8'));
    const s = summariseModel(m);
    expect(s.trainedOn?.map((c) => [c.corpus, c.style])).toEqual([['EmoDB', 'acted'], ['RAVDESS speech', 'acted'], ['nEMO', 'acted']]);
    expect(s.classes).toEqual(['anger', 'happiness', 'neutral', 'sadness']);
    expect(languagesOf(s.trainedOn ?? [])).toBe('German, English (North American) and Polish');
    expect(languagesOf([{ corpus: 'a', language: 'German', speakers: 1, clips: 1, style: 'acted', licence: 'x' }, { corpus: 'b', language: 'German', speakers: 1, clips: 1, style: 'acted', licence: 'x' }])).toBe('German');
    expect(summariseModel(base).trainedOn).toBeNull();
  });
});
