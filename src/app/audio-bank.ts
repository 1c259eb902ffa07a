import { SAMPLE_RATE } from '../env';
import type { Playback } from '../results/types';

/**
 * Audio kept for playback at most: 100 MB is about 26 minutes of 16 kHz float speech.
 * The count limit alone is not enough: utterances run up to 15 s (~1 MB each).
 */
export const AUDIO_BANK_BYTES = 100 * 1024 * 1024;

/** Keeps each utterance's 16 kHz audio for playback, bounded like the history (and in bytes). */
export class AudioBank {
  private readonly clips = new Map<string, Float32Array>();
  private bytes = 0;
  private ctx: AudioContext | null = null;
  private playing: AudioBufferSourceNode | null = null;
  /** Told when a clip starts playing and when playback ends (null). */
  onPlayback: (p: Playback | null) => void = () => undefined;

  constructor(
    private readonly limit: number,
    private readonly maxBytes: number = AUDIO_BANK_BYTES,
  ) {}

  put(id: string, audio: Float32Array): void {
    this.remove(id);
    this.clips.set(id, audio);
    this.bytes += audio.byteLength;
    // Map iterates in insertion order: drop the oldest beyond the limits (keep the newest).
    while (this.clips.size > 1 && (this.clips.size > this.limit || this.bytes > this.maxBytes)) this.remove(this.clips.keys().next().value!);
  }

  /** Forget clips whose results the store no longer has. */
  retain(ids: ReadonlySet<string>): void {
    for (const id of [...this.clips.keys()]) if (!ids.has(id)) this.remove(id);
  }

  /** Bytes of audio held. */
  get size(): number {
    return this.bytes;
  }

  private remove(id: string): void {
    const clip = this.clips.get(id);
    if (!clip) return;
    this.bytes -= clip.byteLength;
    this.clips.delete(id);
  }

  has(id: string): boolean {
    return this.clips.has(id);
  }

  /** The clip (shared, not copied), or null once dropped. */
  get(id: string): Float32Array | null {
    return this.clips.get(id) ?? null;
  }

  /** Plays a clip from `fromS` seconds into it (stops the one playing). */
  async play(id: string, fromS = 0): Promise<void> {
    const audio = this.clips.get(id);
    if (!audio) throw new Error('This utterance’s audio is no longer kept in memory.');
    this.ctx ??= new AudioContext();
    if (this.ctx.state === 'suspended') await this.ctx.resume();
    this.playing?.stop();
    const buffer = this.ctx.createBuffer(1, audio.length, SAMPLE_RATE);
    buffer.copyToChannel(audio as Float32Array<ArrayBuffer>, 0);
    const src = this.ctx.createBufferSource();
    src.buffer = buffer;
    src.connect(this.ctx.destination);
    const from = Math.min(Math.max(0, fromS), buffer.duration);
    src.onended = () => {
      // A clip stopped because another started is not the end of playback.
      if (this.playing !== src) return;
      this.playing = null;
      this.onPlayback(null);
    };
    src.start(0, from);
    this.playing = src;
    this.onPlayback({ id, fromS: from, durationS: buffer.duration, startedAt: performance.now() });
  }

  clear(): void {
    this.clips.clear();
    this.bytes = 0;
  }
}
