/**
 * Session domain normalisation: the TypeScript twin of training/domain.py (`FrameSums`,
 * `running_stats`), in the same float64 arithmetic so the page and Python agree to float32
 * rounding (test/unit/model-domain-norm.test.ts checks it against numbers made by Python).
 * Pure functions, no onnxruntime: the pipeline feeds their output to the head.
 */

/** Per (layer, channel) statistics [L, D], row-major, as the head takes them. */
export interface DomainStats {
  mean: Float32Array;
  std: Float32Array;
}

/** Sufficient statistics of a set of frames: count, sum and sum of squares per (layer, channel), float64. */
export interface FrameSums {
  n: number;
  /** [L * D] */
  s: Float64Array;
  /** [L * D] */
  ss: Float64Array;
}

/** What a model's manifest says about its running statistics (manifest `domain_normalization`). */
export interface DomainModel {
  /** Training statistics (the estimate before anything is heard). */
  prior: DomainStats;
  /** Weight of the prior, in frames. */
  priorFrames: number;
  /** Floor under the std (silent or constant channels). */
  stdFloor: number;
  layers: number;
  dim: number;
}

/** Sums over T of hidden states [L, T, D] (row-major). */
export function frameSums(hidden: ArrayLike<number>, layers: number, frames: number, dim: number): FrameSums {
  if (hidden.length !== layers * frames * dim) {
    throw new RangeError(`hidden states have ${hidden.length} values, expected ${layers} x ${frames} x ${dim}`);
  }
  const s = new Float64Array(layers * dim);
  const ss = new Float64Array(layers * dim);
  for (let l = 0; l < layers; l++) {
    for (let t = 0; t < frames; t++) {
      const row = (l * frames + t) * dim;
      const out = l * dim;
      for (let d = 0; d < dim; d++) {
        const x = hidden[row + d];
        s[out + d] += x;
        ss[out + d] += x * x;
      }
    }
  }
  return { n: frames, s, ss };
}

/** a + b (a new object; neither is changed). */
export function addSums(a: FrameSums, b: FrameSums): FrameSums {
  const s = new Float64Array(a.s.length);
  const ss = new Float64Array(a.ss.length);
  for (let i = 0; i < s.length; i++) {
    s[i] = a.s[i] + b.s[i];
    ss[i] = a.ss[i] + b.ss[i];
  }
  return { n: a.n + b.n, s, ss };
}

/** Mean and std (population, floored at `stdFloor`) of the frames summed in `sums`; Python `FrameSums.mean_std`. */
export function meanStd(sums: FrameSums, stdFloor: number): DomainStats {
  const mean = new Float32Array(sums.s.length);
  const std = new Float32Array(sums.s.length);
  for (let i = 0; i < mean.length; i++) {
    const m = sums.s[i] / sums.n;
    const v = Math.max(sums.ss[i] / sums.n - m * m, 0);
    mean[i] = m;
    std[i] = Math.max(Math.sqrt(v), stdFloor);
  }
  return { mean, std };
}

/**
 * Session statistics (Python `running_stats`): the prior worth `priorFrames` frames plus
 * every frame heard. With nothing heard it is the prior itself (to float32 rounding).
 */
export function runningStats(model: DomainModel, heard: FrameSums | null): DomainStats {
  const size = model.layers * model.dim;
  const pf = model.priorFrames;
  const s = new Float64Array(size);
  const ss = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    const pm = model.prior.mean[i];
    const pv = model.prior.std[i] ** 2;
    s[i] = pf * pm;
    ss[i] = pf * (pv + pm * pm);
  }
  const prior: FrameSums = { n: pf, s, ss };
  return meanStd(heard ? addSums(prior, heard) : prior, model.stdFloor);
}

/**
 * The prior file (float32 little-endian: mean [L*D] then std [L*D]) -> statistics.
 * Throws RangeError naming `file` when its size is not 2 x L x D floats.
 */
export function parsePrior(bytes: Uint8Array, layers: number, dim: number, file: string): DomainStats {
  const size = layers * dim;
  if (bytes.byteLength !== 2 * size * 4) {
    throw new RangeError(
      `${file} has ${bytes.byteLength} bytes; a model with ${layers} layers x ${dim} channels needs 2 x ${layers} x ${dim} float32 = ${2 * size * 4} bytes (mean then std)`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const mean = new Float32Array(size);
  const std = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    mean[i] = view.getFloat32(4 * i, true);
    std[i] = view.getFloat32(4 * (size + i), true);
  }
  return { mean, std };
}
