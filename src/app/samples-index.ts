/**
 * The sample clips shipped with the page (public/samples/index.json): what each is, who
 * recorded it, under which licence. Pure: the page fetches the index and passes what it read.
 */

export interface Sample {
  /** File name inside samples/. */
  file: string;
  /** The emotion the actor was asked to portray (the corpus label, not the model's answer). */
  label: string;
  speaker: string;
  /** Corpus and the clip's original name. */
  source: string;
  licence: string;
  sha256: string;
}

export interface SamplesIndex {
  /** The attribution the licence asks for, shown beside the buttons. */
  attribution: string;
  licence: { name: string; url: string };
  corpus: { name: string; url: string };
  samples: Sample[];
}

const FILE = /^[A-Za-z0-9][A-Za-z0-9._-]*\.wav$/;
const HEX64 = /^[0-9a-f]{64}$/;

const str = (o: Record<string, unknown>, k: string, where: string): string => {
  const v = o[k];
  if (typeof v !== 'string' || v === '') throw new Error(`${where}: "${k}" must be a non-empty string`);
  return v;
};
const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});

/** Validates index.json; throws with the entry and field at fault. */
export function parseSamplesIndex(json: unknown): SamplesIndex {
  const o = obj(json);
  const samples = o.samples;
  if (!Array.isArray(samples) || samples.length === 0) throw new Error('the samples list has no "samples" array (or it is empty)');
  const lic = obj(o.licence);
  const corpus = obj(o.corpus);
  return {
    attribution: str(o, 'attribution', 'samples list'),
    licence: { name: str(lic, 'name', 'samples licence'), url: str(lic, 'url', 'samples licence') },
    corpus: { name: str(corpus, 'name', 'samples corpus'), url: str(corpus, 'url', 'samples corpus') },
    samples: samples.map((s: unknown, i) => {
      const e = obj(s);
      const where = `sample ${i + 1}`;
      const file = str(e, 'file', where);
      if (!FILE.test(file)) throw new Error(`${where}: "file" must be a plain .wav file name`);
      const sha256 = str(e, 'sha256', where);
      if (!HEX64.test(sha256)) throw new Error(`${where}: "sha256" must be 64 lowercase hex digits`);
      return { file, label: str(e, 'label', where), speaker: str(e, 'speaker', where), source: str(e, 'source', where), licence: str(e, 'licence', where), sha256 };
    }),
  };
}

/** Hex SHA-256 of bytes (WebCrypto, in the page and in Node). */
export async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}
