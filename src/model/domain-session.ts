/**
 * The running estimate of one session: frame sums of every final utterance analysed so far,
 * on top of the model's prior (src/model/domain-norm.ts). Utterance k is normalised with the
 * statistics of utterances 1..k, itself included, as training/predict.py does.
 *
 * Reset is by epoch: the main thread bumps its epoch and sends it with every request; the
 * first request carrying a new epoch starts from the prior again. Requests run in the order
 * they were sent (RequestScheduler), so a reset takes effect exactly between the utterances
 * sent before and after it, and a restarted worker (fresh estimate) needs no extra message.
 */
import { type DomainModel, type DomainStats, type FrameSums, addSums, frameSums, runningStats } from './domain-norm.ts';

/** Statistics for one utterance and how many utterances they were adapted on (itself included). */
export interface SessionPreview {
  stats: DomainStats;
  adaptedOn: number;
  /** The utterance's own sums, for {@link SessionStats.commit}. */
  own: FrameSums;
}

/** Running domain statistics of one session. */
export class SessionStats {
  private heard: FrameSums | null = null;
  private count = 0;
  private currentEpoch = 0;

  constructor(readonly model: DomainModel) {}

  /** Utterances added since the last reset. */
  get utterances(): number {
    return this.count;
  }

  /** Epoch of the estimate (see the module comment). */
  get epoch(): number {
    return this.currentEpoch;
  }

  /**
   * Statistics for an utterance with hidden states [L, T, D], as if it were added to the
   * session, without adding it: the caller commits once the head has run, so a retried
   * run (WebGPU -> WASM fallback) does not count the utterance twice. A new `epoch` resets.
   */
  preview(hidden: ArrayLike<number>, dims: readonly number[], epoch?: number): SessionPreview {
    const [layers, frames, dim] = dims;
    if (dims.length !== 3 || layers !== this.model.layers || dim !== this.model.dim) {
      throw new RangeError(`hidden states are [${dims.join(', ')}]; the domain statistics are for [${this.model.layers}, T, ${this.model.dim}]`);
    }
    if (epoch !== undefined && epoch !== this.currentEpoch) this.reset(epoch);
    const own = frameSums(hidden, layers, frames, dim);
    const stats = runningStats(this.model, this.heard ? addSums(this.heard, own) : own);
    return { stats, adaptedOn: this.count + 1, own };
  }

  /** Adds a previewed utterance's frames to the session. */
  commit(own: FrameSums): void {
    this.heard = this.heard ? addSums(this.heard, own) : own;
    this.count++;
  }

  /** Back to the prior; `epoch` names the new estimate. */
  reset(epoch = this.currentEpoch + 1): void {
    this.heard = null;
    this.count = 0;
    this.currentEpoch = epoch;
  }
}

/** What a result's statistics were adapted on. */
export interface AdaptationInfo {
  /** Utterances in the estimate, this one included. */
  utterances: number;
  /** Epoch of the estimate (matches the main thread's after a reset: see the module comment). */
  epoch: number;
}
