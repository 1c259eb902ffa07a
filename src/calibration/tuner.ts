/**
 * "Tune to my voice" for one loaded model: collects labelled pooled vectors (from prompted
 * recordings or corrected results), refits the head's final layer in the inference worker
 * once every class has enough of them, switches the tuned layer on or off there, and keeps
 * everything in a {@link VoiceStore} under the model's name + version.
 */
import type { FitRecipe, LinearLayer } from './fit';
import type { VoiceStore } from './storage';
import { type VoiceExample, type VoiceModelKey, type VoiceProfile, exportProfile, importProfile } from './voice-file';
import type { CalibrationState } from '../embed/types';

export type { CalibrationState };

/** What the tuner needs from the inference worker. */
export interface TunerPort {
  fitCalibration(x: Float32Array, y: Int32Array, recipe: FitRecipe): Promise<{ layer: LinearLayer; fitMs: number }>;
  setTuned(layer: LinearLayer | null): void;
}

/** The model facts the tuner needs (manifest name, version, labels, head.pooled.dim, calibration). */
export interface TunerModel extends VoiceModelKey {
  labels: readonly string[];
  dim: number;
  recipe: FitRecipe;
  minPerClass: number;
}

/** Results whose pooled vectors are kept, so their history rows can still be corrected (newest). */
export const RECENT_LIMIT = 32;
/** Examples kept per class (the oldest go first): bounds memory for wide pooled vectors. */
export const MAX_PER_CLASS = 8;

/**
 * At most `max` examples per class: the last ones of each class in list order (the tuner
 * appends, and exports, in the order they were recorded; clock times in a file are not trusted).
 */
export function newestPerClass(examples: readonly VoiceExample[], max = MAX_PER_CLASS): VoiceExample[] {
  const left = new Map<number, number>();
  const kept: VoiceExample[] = [];
  for (let i = examples.length - 1; i >= 0; i--) {
    const n = left.get(examples[i].label) ?? max;
    if (n > 0) kept.push(examples[i]);
    left.set(examples[i].label, n - 1);
  }
  return kept.reverse();
}

export class VoiceTuner {
  private profile: VoiceProfile;
  private readonly recent = new Map<string, Float32Array>();
  private armed: number | null = null;
  private fitting = false;
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  private lastFitMs: number | null = null;
  private error: string | null = null;
  private disposed = false;
  /** Bumped by forget/import: a fit started before must not bring old examples back. */
  private generation = 0;

  constructor(
    private readonly model: TunerModel,
    private readonly port: TunerPort,
    private readonly store: VoiceStore,
    private readonly onChange: (s: CalibrationState) => void,
  ) {
    this.profile = this.empty();
  }

  private empty(): VoiceProfile {
    const { name, version, labels, dim } = this.model;
    return { model: { name, version }, labels: [...labels], dim, examples: [], tuned: null, enabled: true };
  }

  /** Loads this model version's stored profile (if any) and applies it. */
  async restore(): Promise<void> {
    try {
      const p = await this.store.load(this.model);
      if (this.disposed) return;
      // A record of another shape (not this model's labels or features) is ignored.
      if (p && p.dim === this.model.dim && p.labels.join('\n') === this.model.labels.join('\n')) {
        this.profile = p;
        this.apply();
      }
    } catch (e) {
      this.error = `Your stored voice profile could not be read (${e instanceof Error ? e.message : String(e)}).`;
    }
    this.changed();
  }

  /** Current state for the view and hosts. */
  get state(): CalibrationState {
    const counts = this.model.labels.map((_, k) => this.profile.examples.filter((e) => e.label === k).length);
    const missing = this.model.labels.filter((_, k) => counts[k] < this.model.minPerClass);
    const tuned = this.profile.tuned !== null;
    return {
      labels: [...this.model.labels],
      counts,
      minPerClass: this.model.minPerClass,
      missing,
      tuned,
      enabled: this.profile.enabled,
      active: tuned && this.profile.enabled,
      armed: this.armed === null ? null : this.model.labels[this.armed],
      fitting: this.fitting,
      lastFitMs: this.lastFitMs,
      correctable: [...this.recent.keys()],
      error: this.error,
    };
  }

  /**
   * A finished utterance's pooled vector: kept for a possible correction (newest
   * {@link RECENT_LIMIT}) and, from the microphone while a class is armed, added as an example.
   */
  observe(id: string, pooled: Float32Array, source: 'mic' | 'file'): void {
    if (this.disposed) return;
    this.recent.set(id, pooled);
    while (this.recent.size > RECENT_LIMIT) this.recent.delete(this.recent.keys().next().value as string);
    if (this.armed !== null && source === 'mic') this.add(this.armed, pooled, 'prompt');
    else this.changed();
  }

  /** Drops the kept pooled vectors of results no longer shown (the history was cleared or capped). */
  retain(ids: ReadonlySet<string>): void {
    const before = this.recent.size;
    for (const id of [...this.recent.keys()]) if (!ids.has(id)) this.recent.delete(id);
    if (this.recent.size !== before) this.changed();
  }

  /** Arms a class (its label): the next microphone utterances become its examples; null disarms. */
  arm(label: string | null): void {
    this.armed = label === null ? null : this.labelIndex(label);
    this.changed();
  }

  /** Adds a kept result (`id`) as an example of `label` ("this was: neutral"). Throws Error when its features are gone. */
  correct(id: string, label: string): void {
    const k = this.labelIndex(label);
    const x = this.recent.get(id);
    if (!x) throw new Error(`The features of utterance ${id} are no longer kept (only the newest ${RECENT_LIMIT} can be corrected).`);
    this.add(k, x, 'correction');
  }

  /** Switches the tuned layer on or off (kept either way). */
  setEnabled(on: boolean): void {
    this.profile = { ...this.profile, enabled: on };
    this.apply();
    this.persist();
    this.changed();
  }

  /**
   * Refits from the examples when every class has enough (else drops the tuned layer).
   * Resolves when the fit and the save are done; requests during a fit share one more fit after it.
   */
  fit(): Promise<void> {
    if (this.queued) return this.queued;
    const start = (): Promise<void> => {
      const run = this.fitNow().finally(() => {
        if (this.running === run) this.running = null;
      });
      this.running = run;
      return run;
    };
    if (!this.running) return start();
    const next = this.running.then(() => {
      this.queued = null;
      return start();
    });
    this.queued = next;
    return next;
  }

  /** One fit (never rejects: a failure is reported in the state). */
  private async fitNow(): Promise<void> {
    if (this.disposed) return;
    const ex = this.profile.examples;
    if (this.state.missing.length > 0 || ex.length === 0) {
      this.profile = { ...this.profile, tuned: null };
      this.apply();
      await this.save();
      this.changed();
      return;
    }
    this.fitting = true;
    this.changed();
    const generation = this.generation;
    try {
      const { dim } = this.model;
      const x = new Float32Array(ex.length * dim);
      ex.forEach((e, i) => x.set(e.x, i * dim));
      const { layer, fitMs } = await this.port.fitCalibration(x, Int32Array.from(ex, (e) => e.label), this.model.recipe);
      if (this.disposed || generation !== this.generation) return;
      this.lastFitMs = fitMs;
      this.profile = { ...this.profile, tuned: layer };
      this.error = null;
      this.apply();
      await this.save();
    } catch (e) {
      this.error = `Tuning failed: ${e instanceof Error ? e.message : String(e)}`;
    } finally {
      this.fitting = false;
      this.changed();
    }
  }

  /** Deletes every example, the tuned layer and the stored record ("Forget my voice"). */
  async forget(): Promise<void> {
    this.generation++;
    this.profile = this.empty();
    this.recent.clear();
    this.armed = null;
    this.apply();
    try {
      await this.store.remove(this.model);
      this.error = null;
    } catch (e) {
      this.error = `The stored voice profile could not be deleted (${e instanceof Error ? e.message : String(e)}).`;
    }
    this.changed();
  }

  /** The Export file's text (JSON: features, labels, tuned layer; no audio). */
  export(): string {
    return exportProfile(this.profile);
  }

  /** Replaces the profile with an Export file's; throws VoiceFileError (message for the user) when it does not fit this model. */
  async import(text: string): Promise<void> {
    const read = importProfile(text, { model: this.model, labels: this.model.labels, dim: this.model.dim });
    const examples = newestPerClass(read.examples);
    // A file with more examples than the page keeps: its tuned layer was fitted on examples
    // the profile will not hold, so the layer is refitted on those kept.
    const p = examples.length === read.examples.length ? read : { ...read, examples, tuned: null };
    this.generation++;
    this.profile = p;
    this.error = null;
    if (p.tuned) {
      this.apply();
      await this.save();
      this.changed();
    } else await this.fit();
  }

  dispose(): void {
    this.disposed = true;
    this.recent.clear();
  }

  private labelIndex(label: string): number {
    const k = this.model.labels.indexOf(label);
    if (k < 0) throw new RangeError(`"${label}" is not one of this model's emotions (${this.model.labels.join(', ')})`);
    return k;
  }

  private add(label: number, x: Float32Array, source: VoiceExample['source']): void {
    const examples = newestPerClass(this.profile.examples.concat({ label, x, source, at: Date.now() }));
    this.profile = { ...this.profile, examples };
    this.changed();
    void this.fit();
  }

  /** The worker uses the tuned layer exactly when one exists and the switch is on. */
  private apply(): void {
    if (this.disposed) return;
    this.port.setTuned(this.profile.tuned && this.profile.enabled ? this.profile.tuned : null);
  }

  private persist(): void {
    void this.save();
  }

  private async save(): Promise<void> {
    try {
      await this.store.save(this.profile);
    } catch (e) {
      this.error = `Your voice profile could not be stored on this device (${e instanceof Error ? e.message : String(e)}); it lasts until the page closes.`;
      this.changed();
    }
  }

  private changed(): void {
    if (!this.disposed) this.onChange(this.state);
  }
}
