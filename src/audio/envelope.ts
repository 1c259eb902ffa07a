/**
 * A whole recording's energy as at most {@link ENVELOPE_POINTS} RMS bins, built chunk by chunk
 * while the file streams through decoding: memory stays fixed whatever the length (the audio
 * itself is never kept). When the recording turns out longer than expected, neighbouring bins
 * are merged in pairs, so the result is exact for any length.
 */
import { SAMPLE_RATE } from '../env';

/** Bins kept at most (a 2-hour file: one bin per 3.6 s). */
export const ENVELOPE_POINTS = 2000;

/** RMS (0..1 of full scale) per bin of `binS` seconds; the last bin may be shorter. */
export interface Envelope {
  binS: number;
  rms: number[];
}

export class EnvelopeBuilder {
  /** Sum of squares per bin. */
  private readonly sums: Float64Array;
  private bins = 0;
  private binSamples: number;
  /** Samples in the last bin. */
  private inBin = 0;

  /**
   * @param expectedSamples - the recording's length as far as known (sets the first bin size).
   */
  constructor(
    expectedSamples: number,
    private readonly maxPoints = ENVELOPE_POINTS,
    private readonly sampleRate = SAMPLE_RATE,
  ) {
    if (!Number.isInteger(maxPoints) || maxPoints < 2) throw new Error(`maxPoints must be an integer >= 2 (got ${maxPoints})`);
    this.binSamples = Math.max(1, Math.ceil((Number.isFinite(expectedSamples) ? expectedSamples : 0) / maxPoints));
    this.sums = new Float64Array(maxPoints);
  }

  push(x: Float32Array): void {
    let i = 0;
    while (i < x.length) {
      if (this.bins === 0 || this.inBin >= this.binSamples) this.openBin();
      const n = Math.min(x.length - i, this.binSamples - this.inBin);
      let s = 0;
      for (let k = i; k < i + n; k++) s += x[k] * x[k];
      this.sums[this.bins - 1] += s;
      this.inBin += n;
      i += n;
    }
  }

  /** The envelope so far (null before any sample). */
  result(): Envelope | null {
    if (this.bins === 0) return null;
    const rms: number[] = new Array(this.bins);
    for (let b = 0; b < this.bins; b++) {
      const n = b === this.bins - 1 ? this.inBin : this.binSamples;
      rms[b] = Math.round(Math.sqrt(this.sums[b] / Math.max(1, n)) * 1e6) / 1e6;
    }
    return { binS: this.binSamples / this.sampleRate, rms };
  }

  private openBin(): void {
    if (this.bins === this.maxPoints) {
      this.halve();
      if (this.inBin < this.binSamples) return; // the merged last bin has room
    }
    this.sums[this.bins++] = 0;
    this.inBin = 0;
  }

  /** Merges bins in pairs (all are full when called): twice the bin length, half the bins. */
  private halve(): void {
    const full = this.bins;
    const half = Math.ceil(full / 2);
    for (let j = 0; j < half; j++) this.sums[j] = this.sums[2 * j] + (2 * j + 1 < full ? this.sums[2 * j + 1] : 0);
    this.sums.fill(0, half);
    this.inBin = full % 2 === 1 ? this.binSamples : 2 * this.binSamples;
    this.binSamples *= 2;
    this.bins = half;
  }
}

/** Level in dBFS of an RMS value (floored at -100). */
export function rmsToDb(rms: number): number {
  return 20 * Math.log10(Math.max(rms, 1e-5));
}
