import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { InferenceClient } from '../../src/model/client.ts';
import { InferenceError, ModelLoadError } from '../../src/model/errors.ts';
import type { BackendChoice } from '../../src/model/backend.ts';
import type { Manifest } from '../../src/model/manifest.ts';
import type { LoadProgress } from '../../src/model/progress.ts';
import type { FromWorker, ToWorker } from '../../src/model/protocol.ts';

const manifest = JSON.parse(readFileSync('test/fixtures/models/tiny/manifest.json', 'utf8')) as Manifest;
const WASM: BackendChoice = { backend: 'wasm', reason: 'test', variant: 'fp32', threads: 1 };

type Script = (msg: ToWorker, w: FakeWorker) => void;

/** Stands in for a Web Worker; `script` plays the worker's side of the protocol. */
class FakeWorker {
  onmessage: ((e: { data: FromWorker }) => void) | null = null;
  onerror: ((e: { message: string; preventDefault(): void }) => void) | null = null;
  onmessageerror: (() => void) | null = null;
  readonly posted: ToWorker[] = [];
  terminated = false;
  constructor(private readonly script: Script) {}
  postMessage(msg: ToWorker): void {
    this.posted.push(msg);
    setTimeout(() => !this.terminated && this.script(msg, this), 0);
  }
  terminate(): void {
    this.terminated = true;
  }
  reply(data: FromWorker): void {
    if (!this.terminated) this.onmessage?.({ data });
  }
  crash(message: string): void {
    this.onerror?.({ message, preventDefault() {} });
  }
}

/** A worker that loads instantly and answers [id, 1 - id] style probabilities. */
const answering =
  (opts: { crashOn?: (id: number) => boolean } = {}): Script =>
  (msg, w) => {
    if (msg.type === 'init') {
      w.reply({ type: 'progress', event: { status: 'initiate', file: 'head.onnx', total: 10 } });
      w.reply({ type: 'ready', manifest, manifestUrl: msg.manifestUrl, backend: WASM, loadMs: 1 });
    } else if (msg.type === 'classify') {
      if (opts.crashOn?.(msg.id)) return w.crash('Uncaught RangeError: out of memory');
      w.reply({ type: 'result', id: msg.id, probabilities: new Float32Array([msg.audio.length, 0, 0, 0]), inferenceMs: 1, backend: 'wasm' });
    }
  };

function factory(scripts: Script[]) {
  const workers: FakeWorker[] = [];
  return {
    workers,
    createWorker: () => {
      const w = new FakeWorker(scripts[Math.min(workers.length, scripts.length - 1)]);
      workers.push(w);
      return w as unknown as Worker;
    },
  };
}

describe('InferenceClient (fake worker)', () => {
  test('a worker that goes silent while loading ends in a timeout error, terminated; Retry starts a fresh worker', async () => {
    // Sends progress, then nothing: its 'ready' was lost (e.g. postMessage threw).
    const silent: Script = (msg, w) => {
      if (msg.type === 'init') w.reply({ type: 'progress', event: { status: 'initiate', file: 'head.onnx', total: 10 } });
    };
    const f = factory([silent, answering()]);
    const t0 = Date.now();
    const err = InferenceClient.create({ manifestUrl: 'models/tiny/manifest.json', createWorker: f.createWorker, timeouts: { workerIdleMs: 150 } });
    await expect(err).rejects.toMatchObject({ name: 'ModelLoadError', code: 'timeout' });
    await expect(err).rejects.toThrow(/models\/tiny\/manifest.json stopped: the inference worker sent nothing for 0.15 s/);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(f.workers[0].terminated).toBe(true);
    expect(f.workers[0].posted[0]).toMatchObject({ type: 'init', timeouts: { workerIdleMs: 150 } });
    const retried = await InferenceClient.create({ manifestUrl: 'models/tiny/manifest.json', createWorker: f.createWorker, timeouts: { workerIdleMs: 150 } });
    expect(retried.labels).toEqual(manifest.labels);
    retried.dispose();
  });

  test('a worker that never starts (no message at all) times out too', async () => {
    const f = factory([() => undefined]);
    await expect(InferenceClient.create({ manifestUrl: 'm.json', createWorker: f.createWorker, timeouts: { workerIdleMs: 100 } })).rejects.toMatchObject({ code: 'timeout' });
  });

  test('loads, forwards progress, resolves URLs, classifies without detaching the caller buffer', async () => {
    const f = factory([answering()]);
    const events: LoadProgress[] = [];
    const c = await InferenceClient.create({
      manifestUrl: 'models/tiny/manifest.json',
      assetBase: 'vendor/ort',
      createWorker: f.createWorker,
      onProgress: (e) => events.push(e),
    });
    const init = f.workers[0].posted[0];
    expect(init).toMatchObject({ type: 'init', preference: 'auto', manifestUrl: 'http://localhost/models/tiny/manifest.json', wasmPaths: 'http://localhost/vendor/ort/' });
    expect(events.map((e) => e.status)).toEqual(['initiate']);
    expect(c.backend).toEqual(WASM);
    expect(c.labels).toEqual(manifest.labels);
    const audio = new Float32Array(1234);
    const r = await c.classify(audio, 'final');
    expect(audio.length).toBe(1234); // still attached
    expect(r.probabilities[0]).toBe(1234);
    expect(r.labels).toEqual(manifest.labels);
    c.dispose();
  });

  test('a load failure rejects create() with the typed error', async () => {
    const f = factory([
      (msg, w) => {
        if (msg.type === 'init') w.reply({ type: 'init-error', error: { name: 'ModelLoadError', code: 'checksum', message: 'SHA-256 mismatch', url: 'x' } });
      },
    ]);
    const err = await InferenceClient.create({ manifestUrl: 'm.json', createWorker: f.createWorker }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelLoadError);
    expect((err as ModelLoadError).code).toBe('checksum');
    expect(f.workers[0].terminated).toBe(true);
  });

  test('a crash mid-request restarts the worker, retries the final once, drops the provisional', async () => {
    // first worker crashes on its second request; the second worker answers everything
    const f = factory([answering({ crashOn: (id) => id === 2 }), answering()]);
    const c = await InferenceClient.create({ manifestUrl: 'm.json', createWorker: f.createWorker });
    const restarted: Array<{ reason: string; retried: number }> = [];
    c.on('worker-restarted', (e) => restarted.push(e));
    const first = await c.classify(new Float32Array(10), 'final');
    expect(first.probabilities[0]).toBe(10);
    const fin = c.classify(new Float32Array(20), 'final');
    const prov = c.classify(new Float32Array(30), 'provisional');
    const provErr = await prov.catch((e: unknown) => e);
    expect(await fin.then((r) => r.probabilities[0])).toBe(20);
    expect(provErr).toBeInstanceOf(InferenceError);
    expect((provErr as InferenceError).code).toBe('worker-crashed');
    expect(restarted).toEqual([{ reason: 'Uncaught RangeError: out of memory', retried: 1 }]);
    expect(f.workers).toHaveLength(2);
    expect(f.workers[0].terminated).toBe(true);
    // the restarted worker keeps the backend/variant that worked
    expect(f.workers[1].posted[0]).toMatchObject({ type: 'init', preference: 'wasm', variant: 'fp32' });
    c.dispose();
  });

  test('a final that crashes the worker twice is rejected, not retried forever', async () => {
    const f = factory([answering({ crashOn: (id) => id === 1 })]);
    const c = await InferenceClient.create({ manifestUrl: 'm.json', createWorker: f.createWorker });
    const err = await c.classify(new Float32Array(5), 'final').catch((e: unknown) => e);
    expect((err as InferenceError).code).toBe('worker-crashed');
    expect(f.workers.length).toBe(3); // original + 2 restarts; the request was retried once
    c.dispose();
  });

  test('backend-changed updates .backend; superseded and dispose reject with codes', async () => {
    const gpu: BackendChoice = { ...WASM, backend: 'webgpu' };
    const f = factory([
      (msg, w) => {
        if (msg.type === 'init') w.reply({ type: 'ready', manifest, manifestUrl: msg.manifestUrl, backend: gpu, loadMs: 1 });
        if (msg.type === 'classify' && msg.id === 1) {
          w.reply({ type: 'backend-changed', backend: { ...WASM, reason: 'WebGPU device lost' } });
          w.reply({ type: 'result', id: 1, probabilities: new Float32Array(4), inferenceMs: 1, backend: 'wasm' });
        }
        if (msg.type === 'classify' && msg.id === 2) {
          w.reply({ type: 'classify-error', id: 2, error: { name: 'InferenceError', code: 'superseded', message: 'newer' } });
        }
      },
    ]);
    const c = await InferenceClient.create({ manifestUrl: 'm.json', createWorker: f.createWorker });
    expect(c.backend.backend).toBe('webgpu');
    const changes: BackendChoice[] = [];
    c.on('backend-changed', (b) => changes.push(b));
    expect((await c.classify(new Float32Array(4), 'final')).backend).toBe('wasm');
    expect(c.backend.reason).toBe('WebGPU device lost');
    expect(changes).toHaveLength(1);
    expect(((await c.classify(new Float32Array(4), 'provisional').catch((e: unknown) => e)) as InferenceError).code).toBe('superseded');
    const pending = c.classify(new Float32Array(4), 'final');
    c.dispose();
    expect(((await pending.catch((e: unknown) => e)) as InferenceError).code).toBe('disposed');
    expect(f.workers[0].terminated).toBe(true);
  });

  test('host inputs are validated: URLs, backend, audio and kind', async () => {
    const f = factory([answering()]);
    const bad = async (opts: Parameters<typeof InferenceClient.create>[0]) =>
      InferenceClient.create({ ...opts, createWorker: f.createWorker }).then(
        () => 'created',
        (e: unknown) => (e as Error).message,
      );
    expect(await bad({ manifestUrl: '' })).toContain('manifestUrl must be a non-empty URL string');
    expect(await bad({ manifestUrl: 'javascript:alert(1)' })).toContain('manifestUrl must be an http(s) URL');
    expect(await bad({ manifestUrl: 'm.json', assetBase: 'data:text/plain,x' })).toContain('assetBase must be an http(s) URL');
    expect(await bad({ manifestUrl: 'm.json', backend: 'cuda' as 'wasm' })).toContain('backend must be');
    expect(f.workers).toHaveLength(0); // nothing started for invalid input
    const c = await InferenceClient.create({ manifestUrl: 'm.json', createWorker: f.createWorker });
    const code = (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e as InferenceError).code);
    expect(await code(c.classify(new Float32Array(0), 'final'))).toBe('invalid-input');
    expect(await code(c.classify([0.1, 0.2] as unknown as Float32Array, 'final'))).toBe('invalid-input');
    expect(await code(c.classify(new Float32Array(4), 'later' as 'final'))).toBe('invalid-input');
    expect(await code(c.classify(new Float32Array(4), 'final'))).toBe('ok');
    c.dispose();
  });
});
