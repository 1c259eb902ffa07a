/**
 * Level handling in front of the VAD only (the emotion model always gets the original audio).
 *
 * Silero VAD v5's speech probability depends on the input level (a -50 dBFS sentence peaks
 * below 0.45, a -6 dBFS one scores lower than at -16) and, for loud emotional speech
 * (shouting, laughing), drops below 0.35 for most of the utterance. So per frame this
 * tracks two levels and derives two things:
 * - a gain that brings the speech level to {@link TARGET_SPEECH_DBFS} for the model's input;
 * - the frame's level above the noise floor (SNR) and its periodicity, which the pipeline
 *   turns into a second, model-free speech cue ({@link levelSpeechProbability}): loud *and*
 *   voiced, so knocks, clicks and noise bursts do not count.
 * Stationary noise never counts as speech: it *is* the noise floor, so its SNR stays near 0 dB,
 * and it never raises the speech level, so it is not amplified into speech either.
 */

/** Level the speech-level tracker (loud frames of an utterance) is normalised to, in dBFS. */
export const TARGET_SPEECH_DBFS = -16;
/** Most gain in dB for quiet speech (-50 dBFS speech reaches the target). */
export const MAX_GAIN_DB = 36;
/** Most attenuation in dB for loud speech (Silero scores -6 dBFS speech lower than -16). */
export const MIN_GAIN_DB = -20;
/** Frames at least this far above the noise floor update the speech level. */
const SPEECH_SNR_DB = 15;
/** Lowest level considered (digital silence and dither sit here). */
const FLOOR_DBFS = -100;
/**
 * Frames below this are digital silence (padding, muted input): they say nothing about the
 * room's noise, and letting them pull the floor down would make the room noise inside the
 * next recording look like speech.
 */
const DIGITAL_SILENCE_DBFS = -90;
/** Noise floor rise per frame (1.5 dB/s at 32 ms frames): it falls at once to a quieter frame. */
const FLOOR_RISE_DB = 0.05;
/** Speech level decay per frame (about 1.5 dB/s), so a quieter talker is followed within seconds. */
const SPEECH_DECAY_DB = 0.05;
/** The gain never lifts the noise floor above this (keeps hiss out of the model's "speech" range). */
const MAX_NOISE_AFTER_GAIN_DBFS = -55;

/** RMS level of a frame in dBFS (full scale sine = -3 dBFS), at least {@link FLOOR_DBFS}. */
export function frameDbfs(frame: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < frame.length; i++) sum += frame[i] * frame[i];
  const rms = Math.sqrt(sum / Math.max(1, frame.length));
  return rms > 0 ? Math.max(FLOOR_DBFS, 20 * Math.log10(rms)) : FLOOR_DBFS;
}

/** Pitch lags searched by {@link frameVoicing}, at 8 kHz: 62.5-500 Hz (low male voice to a shouting child). */
const MIN_LAG = 16;
const MAX_LAG = 128;

/**
 * Periodicity of a frame: the highest normalised autocorrelation over voice-pitch lags, in
 * [0, 1] (mostly 0.5-1 in speech, below 0.4 for white noise, knocks and clicks). It keeps the
 * level cue to voiced sound, so a door, typing or a noise burst is not speech because it is
 * loud. Computed at 8 kHz (pairs averaged): pitch needs no more, and it costs a quarter.
 */
export function frameVoicing(frame: Float32Array): number {
  const n = frame.length >> 1;
  if (half.length < n) {
    half = new Float32Array(n);
    energyPrefix = new Float64Array(n + 1);
  }
  const x = half;
  const cum = energyPrefix;
  cum[0] = 0;
  for (let i = 0; i < n; i++) {
    x[i] = 0.5 * (frame[2 * i] + frame[2 * i + 1]);
    // Energy of every prefix, so each lag costs one product per sample, not three.
    cum[i + 1] = cum[i] + x[i] * x[i];
  }
  let best = 0;
  for (let lag = MIN_LAG; lag <= MAX_LAG && lag < n; lag++) {
    let xy = 0;
    for (let i = 0; i + lag < n; i++) xy += x[i] * x[i + lag];
    const xx = cum[n - lag];
    const yy = cum[n] - cum[lag];
    const r = xx > 0 && yy > 0 ? xy / Math.sqrt(xx * yy) : 0;
    if (r > best) best = r;
  }
  return best;
}
/** Scratch for {@link frameVoicing} (grown once; the worker is single-threaded). */
let half = new Float32Array(256);
let energyPrefix = new Float64Array(257);

/**
 * Model-free speech cue from the level above the noise floor: 0 up to 10 dB, 0.5 (the default
 * start threshold) at 22 dB, 1 from 34 dB. Speech syllables sit 25-50 dB above a quiet room.
 */
export function energySpeechProbability(snrDb: number): number {
  return Math.min(1, Math.max(0, (snrDb - 10) / 24));
}

/** Frames at least this periodic ({@link frameVoicing}) may count as speech by level. */
export const MIN_VOICING = 0.5;

/** What {@link VadInputLevel.process} measured for one frame. */
export interface FrameLevel {
  /** Frame RMS in dBFS. */
  dbfs: number;
  /** Frame level above the tracked noise floor, in dB. */
  snrDb: number;
  /** {@link frameVoicing} of the frame (0 when it is less than 10 dB above the floor: not computed). */
  voicing: number;
  /** Gain applied to the model's copy, in dB. */
  gainDb: number;
}

/** The level cue of a frame: {@link energySpeechProbability} for voiced frames, else 0. */
export function levelSpeechProbability(level: FrameLevel): number {
  return level.voicing >= MIN_VOICING ? energySpeechProbability(level.snrDb) : 0;
}

/** Streaming noise-floor / speech-level tracker and VAD input gain. Allocation-free per frame. */
export class VadInputLevel {
  private noiseDb: number | null = null;
  private speechDb = TARGET_SPEECH_DBFS;
  private gainDb = 0;

  /**
   * Measures `frame` and writes the gain-normalised copy for the VAD model into `out`.
   * The gain comes from the levels seen *before* this frame, so a sudden loud onset is not
   * squashed by its own level (and the gain changes by at most one frame's update).
   */
  process(frame: Float32Array, out: Float32Array): FrameLevel {
    const dbfs = frameDbfs(frame);
    const gainDb = this.gainDb;
    const g = 10 ** (gainDb / 20);
    for (let i = 0; i < frame.length; i++) out[i] = frame[i] * g;

    if (dbfs >= DIGITAL_SILENCE_DBFS) this.noiseDb = this.noiseDb === null || dbfs < this.noiseDb ? dbfs : this.noiseDb + FLOOR_RISE_DB;
    const noise = this.noiseDb ?? dbfs;
    const snrDb = Math.max(0, dbfs - noise);
    if (snrDb >= SPEECH_SNR_DB && dbfs > this.speechDb) this.speechDb = dbfs;
    else this.speechDb = Math.max(noise + SPEECH_SNR_DB, this.speechDb - SPEECH_DECAY_DB);
    const wanted = Math.min(MAX_GAIN_DB, Math.max(MIN_GAIN_DB, TARGET_SPEECH_DBFS - this.speechDb));
    this.gainDb = Math.min(wanted, Math.max(MIN_GAIN_DB, MAX_NOISE_AFTER_GAIN_DBFS - noise));
    const voicing = snrDb > 10 ? frameVoicing(frame) : 0;
    return { dbfs, snrDb, gainDb, voicing };
  }

  /** Start of a new stream. */
  reset(): void {
    this.noiseDb = null;
    this.speechDb = TARGET_SPEECH_DBFS;
    this.gainDb = 0;
  }
}
