import { describe, expect, test, vi } from 'vitest';
import { createBridge, resolveParentOrigin, type BridgeWindow } from '../../src/embed/bridge';
import type { FrameMessage, Recognizer, UtteranceEvent } from '../../src/embed/types';

const HOST = 'https://host.example';

describe('resolveParentOrigin', () => {
  test('needs the parent parameter', () => {
    expect(() => resolveParentOrigin(null, HOST)).toThrow(/needs \?parent=/);
  });
  test('validates it as an exact origin', () => {
    expect(() => resolveParentOrigin('*', undefined)).toThrow(/origin/);
    expect(() => resolveParentOrigin('https://host.example/page', undefined)).toThrow(/without path/);
  });
  test('refuses when the real embedder differs from the configured parent', () => {
    expect(() => resolveParentOrigin(HOST, 'https://evil.example')).toThrow(/embedded by https:\/\/evil.example, not by the configured parent https:\/\/host.example/);
  });
  test('returns the origin when it matches (or the browser cannot tell)', () => {
    expect(resolveParentOrigin(`${HOST}/`, HOST)).toBe(HOST);
    expect(resolveParentOrigin(HOST, undefined)).toBe(HOST);
  });
});

/** A fake iframe window that delivers messages to the bridge's listener. */
function fakeWindow() {
  let listener: ((e: MessageEvent) => void) | null = null;
  const self: BridgeWindow = {
    addEventListener: (_t, cb) => void (listener = cb),
    removeEventListener: (_t, cb) => void (listener === cb && (listener = null)),
  };
  return { self, deliver: (e: Partial<MessageEvent>) => listener?.(e as MessageEvent), attached: () => listener !== null };
}

function fakeRecognizer(analyse: Recognizer['analyse'] = async () => []) {
  return {
    labels: ['anger', 'sadness'],
    backend: null,
    on: () => () => undefined,
    off: () => undefined,
    start: vi.fn(async () => undefined),
    stop: vi.fn(),
    analyse: vi.fn(analyse),
    dispose: vi.fn(),
    adaptation: null,
    resetAdaptation: vi.fn(),
    calibration: null as Recognizer['calibration'],
  } satisfies Recognizer;
}

function setup(analyse?: Recognizer['analyse']) {
  const win = fakeWindow();
  const posted: [FrameMessage, string][] = [];
  const parent = { postMessage: (m: FrameMessage, origin: string) => void posted.push([m, origin]) };
  const r = fakeRecognizer(analyse);
  const bridge = createBridge({ self: win.self, parent, parentOrigin: HOST, ready: Promise.resolve(r) });
  const flush = () => new Promise((ok) => setTimeout(ok, 0));
  return { win, parent, posted, r, bridge, flush };
}

describe('createBridge', () => {
  test('announces readiness with the labels, posted only to the parent origin', async () => {
    const { posted, flush } = setup();
    await flush();
    expect(posted).toEqual([[{ source: 'emotion-recognizer', type: 'ready', detail: { labels: ['anger', 'sadness'] } }, HOST]]);
  });

  test('every post targets the configured origin, never *', async () => {
    const { posted, bridge, flush } = setup();
    const detail: UtteranceEvent = { id: 'u1', source: 'file', label: 'anger', labels: ['anger', 'sadness'], probabilities: [0.7, 0.3], startS: 0, endS: 2, backend: 'wasm', inferenceMs: 5, uncertain: false };
    bridge.post({ source: 'emotion-recognizer', type: 'utterance', detail });
    await flush();
    expect(posted.map(([, origin]) => origin)).toEqual([HOST, HOST]);
  });

  test('runs commands from the parent window at the parent origin', async () => {
    const { win, parent, r, flush } = setup();
    const file = new Blob([new Uint8Array(8)], { type: 'audio/wav' });
    win.deliver({ origin: HOST, source: parent as unknown as MessageEventSource, data: { target: 'emotion-recognizer', type: 'start' } });
    win.deliver({ origin: HOST, source: parent as unknown as MessageEventSource, data: { target: 'emotion-recognizer', type: 'stop' } });
    win.deliver({ origin: HOST, source: parent as unknown as MessageEventSource, data: { target: 'emotion-recognizer', type: 'reset-adaptation' } });
    win.deliver({ origin: HOST, source: parent as unknown as MessageEventSource, data: { target: 'emotion-recognizer', type: 'analyse', file, name: 'a.wav' } });
    await flush();
    expect(r.start).toHaveBeenCalledTimes(1);
    expect(r.stop).toHaveBeenCalledTimes(1);
    expect(r.resetAdaptation).toHaveBeenCalledTimes(1);
    expect(r.analyse).toHaveBeenCalledWith(file, 'a.wav');
  });

  test('set-tuning switches the tuned model (a boolean only)', async () => {
    const { win, parent, r, flush } = setup();
    const cal = { enabled: true } as unknown as NonNullable<Recognizer['calibration']>;
    (r as { calibration: Recognizer['calibration'] }).calibration = cal;
    const src = parent as unknown as MessageEventSource;
    win.deliver({ origin: HOST, source: src, data: { target: 'emotion-recognizer', type: 'set-tuning', enabled: 'no' } });
    await flush();
    expect(cal.enabled).toBe(true);
    win.deliver({ origin: HOST, source: src, data: { target: 'emotion-recognizer', type: 'set-tuning', enabled: false } });
    await flush();
    expect(cal.enabled).toBe(false);
  });

  test('ignores other origins, other windows and malformed commands', async () => {
    const { win, parent, r, flush } = setup();
    const start = { target: 'emotion-recognizer', type: 'start' };
    win.deliver({ origin: 'https://evil.example', source: parent as unknown as MessageEventSource, data: start });
    win.deliver({ origin: 'null', source: parent as unknown as MessageEventSource, data: start });
    win.deliver({ origin: HOST, source: {} as MessageEventSource, data: start }); // same origin, another window
    win.deliver({ origin: HOST, source: parent as unknown as MessageEventSource, data: { type: 'start' } });
    win.deliver({ origin: HOST, source: parent as unknown as MessageEventSource, data: { target: 'emotion-recognizer', type: 'analyse', file: '/etc/passwd' } });
    win.deliver({ origin: HOST, source: parent as unknown as MessageEventSource, data: { target: 'emotion-recognizer', type: 'eval', code: '1' } });
    win.deliver({ origin: HOST, source: parent as unknown as MessageEventSource, data: null });
    await flush();
    expect(r.start).not.toHaveBeenCalled();
    expect(r.analyse).not.toHaveBeenCalled();
  });

  test('a failed analysis is posted as an error event', async () => {
    const { win, parent, posted, flush } = setup(async () => {
      throw new Error('a.wav: not an audio file');
    });
    win.deliver({ origin: HOST, source: parent as unknown as MessageEventSource, data: { target: 'emotion-recognizer', type: 'analyse', file: new Blob([]) } });
    await flush();
    await flush();
    expect(posted.at(-1)).toEqual([{ source: 'emotion-recognizer', type: 'error', detail: { code: 'file', message: 'a.wav: not an audio file' } }, HOST]);
  });

  test('dispose stops listening', () => {
    const { win, bridge } = setup();
    expect(win.attached()).toBe(true);
    bridge.dispose();
    expect(win.attached()).toBe(false);
  });
});
