/**
 * What the page tells a user about a model before they trust a result: what it is, what it
 * was measured on, how well it did on speech it never heard, and its licence. Built only
 * from the manifest (the same numbers as the model card; training/cli.py writes both).
 */
import type { Manifest, TrainingCorpus } from '../model/manifest';

/** One held-out set: a corpus name, its language when known, its UAR and clip count. */
export interface HeldOutScore {
  corpus: string;
  language: string | null;
  uar: number;
  n: number;
}

export interface ModelSummary {
  description: string | null;
  licence: string;
  /** Class names, in output order. */
  classes: readonly string[];
  /** What the head was trained on, per corpus (null: the manifest does not say). */
  trainedOn: readonly TrainingCorpus[] | null;
  /** Chance level of the unweighted average recall (1 / classes). */
  chanceUar: number;
  /** Leave-one-corpus-out: trained without the corpus it is scored on. */
  unseen: { meanUar: number; meanUarFirst: number | null; corpora: HeldOutScore[] } | null;
  /** New speakers of the training corpora. */
  inCorpus: { corpora: HeldOutScore[] } | null;
}

/** The manifest fields the summary reads. */
export type SummaryManifest = Pick<Manifest, 'description' | 'licence' | 'labels' | 'evaluation' | 'metrics' | 'training_data'>;

/** How the corpora the pipeline knows are written (training/data/corpora.py ids); others as given. */
const CORPUS_NAMES: Readonly<Record<string, string>> = { emodb: 'EmoDB', ravdess: 'RAVDESS', nemo: 'nEMO', iemocap: 'IEMOCAP' };

function scores(table: NonNullable<Manifest['evaluation']>['leave_one_corpus_out']): HeldOutScore[] {
  return Object.entries(table).map(([id, s]) => ({ corpus: CORPUS_NAMES[id] ?? id, language: s.language ?? null, uar: s.uar, n: s.n }));
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

export function summariseModel(m: SummaryManifest): ModelSummary {
  const ev = m.evaluation;
  let unseen: ModelSummary['unseen'] = null;
  if (ev && Object.keys(ev.leave_one_corpus_out).length > 0) {
    const corpora = scores(ev.leave_one_corpus_out);
    const first = Object.values(ev.leave_one_corpus_out).map((s) => s.uar_cold);
    unseen = {
      corpora,
      meanUar: ev.mean_uar_loco ?? mean(corpora.map((c) => c.uar)),
      meanUarFirst: ev.mean_uar_loco_cold ?? (first.every((x): x is number => x !== undefined) ? mean(first) : null),
    };
  }
  let inCorpus: ModelSummary['inCorpus'] = null;
  if (ev?.leave_one_speaker_out && Object.keys(ev.leave_one_speaker_out).length > 0) {
    inCorpus = { corpora: scores(ev.leave_one_speaker_out) };
  } else if (m.metrics) {
    const n = m.metrics.folds.reduce((a, f) => a + f.n_test, 0);
    inCorpus = { corpora: [{ corpus: CORPUS_NAMES[m.metrics.dataset] ?? m.metrics.dataset, language: null, uar: m.metrics.mean_uar, n }] };
  }
  return {
    description: m.description ?? null,
    licence: m.licence,
    classes: [...m.labels],
    trainedOn: m.training_data && m.training_data.length > 0 ? m.training_data : null,
    chanceUar: 1 / m.labels.length,
    unseen,
    inCorpus,
  };
}

/** "72.0 %" */
export const percent = (x: number): string => `${(100 * x).toFixed(1)} %`;

/** "German, English (North American) and Polish": the languages of the training corpora, once each. */
export function languagesOf(trainedOn: readonly TrainingCorpus[]): string {
  const langs = [...new Set(trainedOn.map((c) => c.language))];
  return langs.length <= 1 ? (langs[0] ?? '') : `${langs.slice(0, -1).join(', ')} and ${langs.at(-1)}`;
}
