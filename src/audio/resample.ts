/**
 * Streaming anti-aliased sample-rate converter (Kaiser-windowed sinc, polyphase).
 *
 * The same class serves the AudioWorklet (small 128-sample render quanta) and the file
 * path (large chunks): state carries across calls, so `process(a) ++ process(b) ++ flush()`
 * equals `process(a ++ b) ++ flush()` sample for sample. The filter is zero-phase (centred),
 * so output sample n sits at input time n * inRate / outRate: no delay to compensate.
 */
import { SAMPLE_RATE } from '../env';

/** Half-width of the filter in samples of the lower of the two rates. */
const HALF_WIDTH_LOW = 32;
/** Cutoff as a fraction of the lower Nyquist; the transition band ends at Nyquist. */
const ROLLOFF = 0.9;
/** Kaiser beta for ~100 dB stopband. */
const KAISER_BETA = 10;
/** Above this many phases the table is interpolated instead of exact. */
const MAX_PHASES = 1024;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Zeroth-order modified Bessel function of the first kind (series). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 64; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/** Validates a sample rate; throws RangeError if it is not a positive integer. */
function checkRate(name: string, rate: number): void {
  if (!Number.isInteger(rate) || rate <= 0 || rate > 1_000_000) {
    throw new RangeError(`${name} must be a positive integer number of Hz, got ${rate}`);
  }
}

/**
 * Stateful resampler from `inRate` to `outRate` (default 16 kHz).
 *
 * Use {@link Resampler.process} for each chunk and {@link Resampler.flush} once at the end
 * of the stream (it emits the tail and resets the state for reuse). No allocation happens
 * in `process` once the internal buffer has reached the largest chunk size seen.
 */
export class Resampler {
  /** Input sample rate in Hz. */
  readonly inRate: number;
  /** Output sample rate in Hz. */
  readonly outRate: number;
  /** Interpolation factor L of the reduced ratio outRate/inRate = L/M. */
  private readonly up: number;
  /** Decimation factor M. */
  private readonly down: number;
  /** Taps either side of the centre, in input samples. */
  private readonly halfTaps: number;
  private readonly taps: number;
  private readonly phases: number;
  private readonly exactPhases: boolean;
  /** `phases + 1` rows of `taps` coefficients (the extra row is for interpolation). */
  private readonly table: Float32Array;
  private readonly passthrough: boolean;

  /** Unconsumed input; hist[0] is absolute input index `base`. */
  private hist: Float32Array;
  private filled = 0;
  private base = 0;
  /** Integer part of the next output's input position, and its remainder (0..up-1). */
  private ti = 0;
  private rem = 0;
  private totalIn = 0;
  private totalOut = 0;

  /**
   * @param inRate - input rate in Hz (any positive integer: 8000, 11025, 44100, 48000, 96000, ...)
   * @param outRate - output rate in Hz, {@link SAMPLE_RATE} unless given
   */
  constructor(inRate: number, outRate = SAMPLE_RATE) {
    checkRate('inRate', inRate);
    checkRate('outRate', outRate);
    this.inRate = inRate;
    this.outRate = outRate;
    const g = gcd(inRate, outRate);
    this.up = outRate / g;
    this.down = inRate / g;
    this.passthrough = inRate === outRate;
    const low = Math.min(inRate, outRate);
    this.halfTaps = Math.ceil((HALF_WIDTH_LOW * inRate) / low);
    this.taps = 2 * this.halfTaps;
    this.exactPhases = this.up <= MAX_PHASES;
    this.phases = this.exactPhases ? this.up : MAX_PHASES;
    this.table = this.passthrough ? new Float32Array(0) : this.buildTable((ROLLOFF * low) / 2 / inRate);
    this.hist = new Float32Array(this.taps + 4096);
    this.reset();
  }

  /** Output samples produced for `inputLength` input samples over a whole stream. */
  static outputLength(inputLength: number, inRate: number, outRate = SAMPLE_RATE): number {
    const g = gcd(inRate, outRate);
    return Math.ceil((inputLength * (outRate / g)) / (inRate / g));
  }

  /** Upper bound of outputs one `process` call can return for `inputLength` samples. */
  maxOutput(inputLength: number): number {
    return Math.ceil(((inputLength + this.taps) * this.up) / this.down) + 2;
  }

  /** Forgets all state: the next sample is the start of a new stream. */
  reset(): void {
    this.hist.fill(0);
    // Start with halfTaps-1 virtual zeros before input sample 0 (zero padding).
    this.filled = this.passthrough ? 0 : this.halfTaps - 1;
    this.base = -this.filled;
    this.ti = 0;
    this.rem = 0;
    this.totalIn = 0;
    this.totalOut = 0;
  }

  /**
   * Resamples one chunk. Writes into `out` when given (must hold {@link maxOutput} samples)
   * and returns a view of the samples written; allocates a new array otherwise.
   */
  process(input: Float32Array, out?: Float32Array): Float32Array {
    const dst = out ?? new Float32Array(this.maxOutput(input.length));
    if (this.passthrough) {
      dst.set(input);
      this.totalIn += input.length;
      this.totalOut += input.length;
      return dst.subarray(0, input.length);
    }
    this.append(input);
    this.totalIn += input.length;
    const n = this.run(dst, Number.POSITIVE_INFINITY);
    return dst.subarray(0, n);
  }

  /** Emits the remaining outputs (zero-padding the end of the stream) and resets. */
  flush(out?: Float32Array): Float32Array {
    const total = Resampler.outputLength(this.totalIn, this.inRate, this.outRate);
    const remaining = Math.max(0, total - this.totalOut);
    const dst = out ?? new Float32Array(remaining);
    if (!this.passthrough && remaining > 0) {
      this.append(new Float32Array(this.halfTaps + 1));
      this.run(dst, remaining);
    }
    this.reset();
    return dst.subarray(0, remaining);
  }

  private append(input: Float32Array): void {
    const need = this.filled + input.length;
    if (need > this.hist.length) {
      const bigger = new Float32Array(Math.max(need, this.hist.length * 2));
      bigger.set(this.hist.subarray(0, this.filled));
      this.hist = bigger;
    }
    this.hist.set(input, this.filled);
    this.filled = need;
  }

  /** Computes outputs while input suffices (at most `limit`), then drops consumed input. */
  private run(dst: Float32Array, limit: number): number {
    const { taps, halfTaps, up, table, phases } = this;
    const stepInt = Math.floor(this.down / up);
    const stepRem = this.down % up;
    const hist = this.hist;
    let n = 0;
    while (n < limit) {
      const first = this.ti - halfTaps + 1 - this.base; // index in hist of the first tap
      if (first + taps > this.filled) break;
      let acc = 0;
      if (this.exactPhases) {
        const row = this.rem * taps;
        for (let j = 0; j < taps; j++) acc += hist[first + j] * table[row + j];
      } else {
        const pos = (this.rem / up) * phases;
        const p0 = Math.floor(pos);
        const f = pos - p0;
        const r0 = p0 * taps;
        const r1 = r0 + taps;
        for (let j = 0; j < taps; j++) {
          const c = table[r0 + j] + (table[r1 + j] - table[r0 + j]) * f;
          acc += hist[first + j] * c;
        }
      }
      dst[n++] = acc;
      this.ti += stepInt;
      this.rem += stepRem;
      if (this.rem >= up) {
        this.rem -= up;
        this.ti += 1;
      }
    }
    this.totalOut += n;
    // Drop input no future output can reach.
    const drop = Math.min(this.filled, Math.max(0, this.ti - halfTaps + 1 - this.base));
    if (drop > 0) {
      hist.copyWithin(0, drop, this.filled);
      this.filled -= drop;
      this.base += drop;
    }
    return n;
  }

  /** Row p, tap j: h(frac + halfTaps - 1 - j) with frac = p / phases. */
  private buildTable(nu: number): Float32Array {
    const { taps, halfTaps, phases } = this;
    const table = new Float32Array((phases + 1) * taps);
    const i0Beta = besselI0(KAISER_BETA);
    for (let p = 0; p <= phases; p++) {
      const frac = p / phases;
      let sum = 0;
      const row = new Float64Array(taps);
      for (let j = 0; j < taps; j++) {
        const tau = frac + halfTaps - 1 - j;
        const x = tau / halfTaps;
        const w = Math.abs(x) >= 1 ? 0 : besselI0(KAISER_BETA * Math.sqrt(1 - x * x)) / i0Beta;
        const arg = 2 * nu * tau;
        const sinc = arg === 0 ? 1 : Math.sin(Math.PI * arg) / (Math.PI * arg);
        row[j] = 2 * nu * sinc * w;
        sum += row[j];
      }
      // Unity DC gain in every phase.
      for (let j = 0; j < taps; j++) table[p * taps + j] = row[j] / sum;
    }
    return table;
  }
}

/** One-shot convenience: resamples a whole signal (allocates). */
export function resample(input: Float32Array, inRate: number, outRate = SAMPLE_RATE): Float32Array {
  const r = new Resampler(inRate, outRate);
  const head = r.process(input);
  const tail = r.flush();
  const out = new Float32Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}
