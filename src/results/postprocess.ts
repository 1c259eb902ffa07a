/** Pure post-processing of model outputs: top class, percentages, time and CSV cell text. */

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
