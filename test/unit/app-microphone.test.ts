/**
 * The microphone lifecycle (issue 17 item 1): a stop() or dispose() while starting must end
 * stopped, with every track and VAD worker the start created released once it arrives.
 */
import { describe, expect, test } from 'vitest';
import { Microphone, type MicState } from '../../src/app/microphone';
import { FakePorts, settle } from './helpers/fake-ports';

function track(mic: Microphone): MicState[] {
  const states: MicState[] = [];
  mic.events.on('state', (s) => states.push(s));
  return states;
}

describe('Microphone lifecycle', () => {
  test('start -> listening; stop -> stopping -> idle, the track released and the utterance in progress flushed', async () => {
    const ports = new FakePorts();
    const mic = new Microphone(ports);
    const states = track(mic);
    await mic.start();
    expect(mic.state).toBe('listening');
    expect(ports.liveCaptures).toBe(1);
    await mic.stop();
    expect(states).toEqual(['starting', 'listening', 'stopping', 'idle']);
    expect(ports.liveCaptures).toBe(0);
    expect(ports.segmenters[0].flushes).toBe(1);
    // The VAD worker is kept for the next session (no second ORT load) ...
    await mic.start();
    expect(ports.segmenters).toHaveLength(1);
    expect(ports.segmenters[0].resets).toBe(2);
    // ... and released on dispose.
    mic.dispose();
    expect(ports.liveCaptures).toBe(0);
    expect(ports.liveSegmenters).toBe(0);
  });

  test('stop while getUserMedia is pending: idle at once; the late track is stopped and the VAD worker it created released', async () => {
    const ports = new FakePorts({ autoResolve: false });
    const mic = new Microphone(ports);
    const states = track(mic);
    const started = mic.start();
    ports.pendingSegmenters[0].resolve();
    await settle();
    expect(ports.pendingCaptures).toHaveLength(1); // waiting for the microphone
    await mic.stop();
    expect(mic.state).toBe('idle');
    ports.pendingCaptures[0].resolve(); // getUserMedia answers 4 s later
    await started;
    await settle();
    expect(mic.state).toBe('idle');
    expect(states).toEqual(['starting', 'idle']);
    expect(ports.captures).toHaveLength(1);
    expect(ports.liveCaptures).toBe(0);
    expect(ports.liveSegmenters).toBe(0);
  });

  test('dispose while the VAD worker is loading: it is released when it arrives, the microphone never asked for', async () => {
    const ports = new FakePorts({ autoResolve: false });
    const mic = new Microphone(ports);
    const started = mic.start();
    await settle();
    mic.dispose();
    expect(mic.state).toBe('disposed');
    ports.pendingSegmenters[0].resolve();
    await started;
    await settle();
    expect(ports.segmenters).toHaveLength(1);
    expect(ports.liveSegmenters).toBe(0);
    expect(ports.pendingCaptures).toHaveLength(0);
    await expect(mic.start()).rejects.toThrow(/disposed/);
  });

  test('dispose while getUserMedia is pending (the VAD worker kept from an earlier session): both released', async () => {
    const ports = new FakePorts({ autoResolve: false });
    const mic = new Microphone(ports);
    const first = mic.start();
    ports.pendingSegmenters[0].resolve();
    await settle();
    ports.pendingCaptures[0].resolve();
    await first;
    await mic.stop();
    const second = mic.start();
    await settle();
    mic.dispose();
    ports.pendingCaptures[1].resolve();
    await second;
    await settle();
    expect(ports.captures).toHaveLength(2);
    expect(ports.liveCaptures).toBe(0);
    expect(ports.liveSegmenters).toBe(0);
  });

  test('stop, then start again while the cancelled start is still pending: only the new one listens', async () => {
    const ports = new FakePorts({ autoResolve: false });
    const mic = new Microphone(ports);
    const first = mic.start();
    await mic.stop();
    const second = mic.start();
    expect(mic.state).toBe('starting');
    await settle();
    // Both starts load a VAD worker; the cancelled one's arrives last.
    ports.pendingSegmenters[1].resolve();
    await settle();
    ports.pendingCaptures[0].resolve();
    await second;
    ports.pendingSegmenters[0].resolve();
    await first;
    await settle();
    expect(mic.state).toBe('listening');
    expect(ports.liveCaptures).toBe(1);
    expect(ports.segmenters.map((s) => s.released)).toEqual([false, true]);
    // Frames reach the live session's segmenter only.
    ports.captures[0].handlers.onFrame(new Float32Array(512));
    expect(ports.segmenters[0].pushed).toBe(1);
    mic.dispose();
    expect(ports.liveCaptures).toBe(0);
    expect(ports.liveSegmenters).toBe(0);
  });

  test('a failed start rejects and ends idle; the next start works', async () => {
    const ports = new FakePorts();
    ports.captureError = new Error('Microphone access was denied.');
    const mic = new Microphone(ports);
    await expect(mic.start()).rejects.toThrow(/denied/);
    expect(mic.state).toBe('idle');
    ports.captureError = null;
    await mic.start();
    expect(mic.state).toBe('listening');
    expect(ports.segmenters).toHaveLength(1); // the VAD worker of the failed start is reused, not leaked
    mic.dispose();
    expect(ports.liveSegmenters).toBe(0);
  });

  test('the device ending while listening: idle, a warning, the utterance in progress flushed', async () => {
    const ports = new FakePorts();
    const mic = new Microphone(ports);
    const notices: string[] = [];
    mic.events.on('notice', (n) => notices.push(`${n.kind}: ${n.text}`));
    await mic.start();
    ports.captures[0].live = false; // capture.ts released itself before reporting
    ports.captures[0].handlers.onEnded('device-ended');
    await settle();
    expect(mic.state).toBe('idle');
    expect(ports.segmenters[0].flushes).toBe(1);
    expect(notices).toEqual(['warning: The microphone stopped (the device was disconnected or access was revoked). The utterance in progress was kept.']);
    mic.dispose();
  });

  test('a suspended context that does not resume stops listening with an error', async () => {
    const ports = new FakePorts();
    const mic = new Microphone(ports);
    const notices: string[] = [];
    mic.events.on('notice', (n) => notices.push(n.kind));
    await mic.start();
    const c = ports.captures[0];
    c.state = 'suspended';
    c.resume = () => Promise.reject(new Error('not allowed'));
    const { vi } = await import('vitest');
    vi.useFakeTimers();
    try {
      c.handlers.onStateChange?.('suspended');
      await vi.advanceTimersByTimeAsync(3100);
    } finally {
      vi.useRealTimers();
    }
    await settle();
    expect(notices).toEqual(['error']);
    expect(mic.state).toBe('idle');
    expect(ports.liveCaptures).toBe(0);
    mic.dispose();
  });
});
