/**
 * The client's calibration messages (fake worker): a fit answers with the worker's layer or
 * error; the tuned layer in use is sent again to a worker restarted after a crash, and a fit
 * in flight during the crash rejects instead of hanging.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { InferenceClient } from '../../src/model/client.ts';
import type { BackendChoice } from '../../src/model/backend.ts';
import type { Manifest } from '../../src/model/manifest.ts';
import type { FromWorker, ToWorker } from '../../src/model/protocol.ts';
import type { LinearLayer } from '../../src/calibration/fit.ts';

const manifest = JSON.parse(readFileSync('test/fixtures/models/tiny-pooled/manifest.json', 'utf8')) as Manifest;
const WASM: BackendChoice = { backend: 'wasm', reason: 'test', variant: 'fp32', threads: 1 };
const LAYER: LinearLayer = { classes: 4, dim: 8, w: new Float64Array(32).fill(0.5), b: new Float64Array(4) };

class FakeWorker {
  onmessage: ((e: { data: FromWorker }) => void) | null = null;
  onerror: ((e: { message: string; preventDefault(): void }) => void) | null = null;
  onmessageerror: (() => void) | null = null;
  readonly posted: ToWorker[] = [];
  constructor(private readonly crashOnFit: boolean) {}
  postMessage(msg: ToWorker): void {
    this.posted.push(msg);
    setTimeout(() => {
      if (msg.type === 'init') this.onmessage?.({ data: { type: 'ready', manifest, manifestUrl: msg.manifestUrl, backend: WASM, loadMs: 1 } });
      if (msg.type === 'calibration-fit') {
        if (this.crashOnFit) return this.onerror?.({ message: 'out of memory', preventDefault() {} });
        if (msg.y.length === 0) return this.onmessage?.({ data: { type: 'calibration-fitted', id: msg.id, error: { name: 'Error', message: 'features [0, 8] do not fit' } } });
        this.onmessage?.({ data: { type: 'calibration-fitted', id: msg.id, layer: LAYER, fitMs: 2 } });
      }
    }, 0);
  }
  terminate(): void {}
}

describe('InferenceClient calibration (fake worker)', () => {
  test('fit resolves with the layer or rejects with the worker error; setTuned is re-sent to a restarted worker', async () => {
    const workers: FakeWorker[] = [];
    const client = await InferenceClient.create({
      manifestUrl: 'models/tiny-pooled/manifest.json',
      createWorker: () => {
        const w = new FakeWorker(workers.length === 0);
        workers.push(w);
        return w as unknown as Worker;
      },
    });
    client.setTuned(LAYER);
    expect(workers[0].posted.at(-1)).toEqual({ type: 'calibration-set', layer: LAYER });
    // The first worker crashes on a fit: the fit rejects, the new worker gets the tuned layer again.
    await expect(client.fitCalibration(new Float32Array(8), new Int32Array([1]), { method: 'bias', l2: 1, steps: 1, lr: 1 })).rejects.toMatchObject({
      code: 'worker-crashed',
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(workers).toHaveLength(2);
    expect(workers[1].posted.map((m) => m.type)).toEqual(['init', 'calibration-set']);
    expect(workers[1].posted[1]).toEqual({ type: 'calibration-set', layer: LAYER });
    const fitted = await client.fitCalibration(new Float32Array(8), new Int32Array([1]), { method: 'linear', l2: 1, steps: 1, lr: 1 });
    expect(fitted).toEqual({ layer: LAYER, fitMs: 2 });
    await expect(client.fitCalibration(new Float32Array(0), new Int32Array(0), { method: 'linear', l2: 1, steps: 1, lr: 1 })).rejects.toThrow(/do not fit/);
    client.dispose();
  });
});
