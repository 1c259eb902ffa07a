/** Keeps each utterance's 16 kHz audio for playback, bounded like the history. */
export class AudioBank {
  private readonly clips = new Map<string, Float32Array>();
  private ctx: AudioContext | null = null;
  private playing: AudioBufferSourceNode | null = null;

  constructor(private readonly limit: number) {}

  put(id: string, audio: Float32Array): void {
    this.clips.set(id, audio);
    // Map iterates in insertion order: drop the oldest beyond the limit.
    while (this.clips.size > this.limit) this.clips.delete(this.clips.keys().next().value!);
  }

  /** Forget clips whose results the store no longer has. */
  retain(ids: ReadonlySet<string>): void {
    for (const id of this.clips.keys()) if (!ids.has(id)) this.clips.delete(id);
  }

  has(id: string): boolean {
    return this.clips.has(id);
  }

  async play(id: string): Promise<void> {
    const audio = this.clips.get(id);
    if (!audio) throw new Error('This utterance’s audio is no longer kept in memory.');
    this.ctx ??= new AudioContext();
    if (this.ctx.state === 'suspended') await this.ctx.resume();
    this.playing?.stop();
    const buffer = this.ctx.createBuffer(1, audio.length, 16000);
    buffer.copyToChannel(audio as Float32Array<ArrayBuffer>, 0);
    const src = this.ctx.createBufferSource();
    src.buffer = buffer;
    src.connect(this.ctx.destination);
    src.start();
    this.playing = src;
  }

  clear(): void {
    this.clips.clear();
  }
}
