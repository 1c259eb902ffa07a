import { useEffect, useRef, useState } from 'react';

/** Meter range in dBFS (RMS over a 32-ms frame). */
export const METER_MIN_DBFS = -60;
export const METER_MAX_DBFS = 0;
/**
 * While speech is detected, a loudest 32-ms frame below this over the last few seconds means
 * the input is too quiet (speech at about -42 dBFS RMS or less; normal speech near the
 * microphone peaks around -15). Speech is still detected lower than this (the VAD normalises
 * its own input), but the emotion model hears the audio as it is, hiss included.
 */
export const TOO_QUIET_DBFS = -35;
/** The quiet check samples the level this often... */
export const QUIET_SAMPLE_MS = 100;
/** ...and looks at this many samples (3 s). */
export const QUIET_WINDOW = 30;

/** RMS (linear, full scale 1) to dBFS, clamped to the meter range. */
export function rmsToDbfs(rms: number): number {
  const db = rms > 0 ? 20 * Math.log10(rms) : Number.NEGATIVE_INFINITY;
  return Math.min(METER_MAX_DBFS, Math.max(METER_MIN_DBFS, db));
}

/** One level report: dBFS and whether the VAD was hearing speech then. */
export interface LevelSample {
  dbfs: number;
  speech: boolean;
}

/**
 * True when speech was heard in the recent window and the loudest level in it stayed below
 * {@link TOO_QUIET_DBFS}; false until a full window has been seen (no flash at start) and
 * during silence (not speaking is not "too quiet").
 */
export function isTooQuiet(recent: readonly LevelSample[]): boolean {
  if (recent.length < QUIET_WINDOW || !recent.some((r) => r.speech)) return false;
  return Math.max(...recent.map((r) => r.dbfs)) < TOO_QUIET_DBFS;
}

/** Input level in dBFS with a "too quiet" cue, while the microphone is listening. */
export function LevelMeter({ level, speech, active }: { level: number; speech: boolean; active: boolean }) {
  const db = rmsToDbfs(level);
  // Sampled on a clock, not on store updates: a level that stops changing (input gone silent)
  // must still age out of the window.
  const latest = useRef<LevelSample>({ dbfs: db, speech });
  latest.current = { dbfs: db, speech };
  const [quiet, setQuiet] = useState(false);
  useEffect(() => {
    setQuiet(false);
    if (!active) return;
    const recent: LevelSample[] = [];
    const id = setInterval(() => {
      recent.push(latest.current);
      if (recent.length > QUIET_WINDOW) recent.shift();
      // Only a change re-renders the cue, so screen readers hear it once, not every sample.
      setQuiet(isTooQuiet(recent));
    }, QUIET_SAMPLE_MS);
    return () => clearInterval(id);
  }, [active]);
  const text = `${Math.round(db)} dBFS`;
  return (
    <div className="level-meter" hidden={!active}>
      <meter
        className="level"
        role="meter"
        min={METER_MIN_DBFS}
        max={METER_MAX_DBFS}
        low={TOO_QUIET_DBFS}
        high={-6}
        optimum={-20}
        value={db}
        aria-label="Input level"
        aria-valuemin={METER_MIN_DBFS}
        aria-valuemax={METER_MAX_DBFS}
        aria-valuenow={Math.round(db)}
        aria-valuetext={text}
      />
      <span className="level-db" aria-hidden="true">
        {text}
      </span>
      <span className="level-cue" role="status" aria-live="polite" data-quiet={quiet}>
        {quiet ? 'Too quiet: speak closer to the microphone or raise its input volume.' : ''}
      </span>
    </div>
  );
}
