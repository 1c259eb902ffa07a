/**
 * InferenceClient and the session's domain statistics: resetAdaptation() bumps the epoch sent
 * with each later request (earlier ones keep theirs, also when retried after a crash), and
 * the worker's adaptation info reaches the result.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { InferenceClient } from '../../src/model/client.ts';
import type { BackendChoice } from '../../src/model/backend.ts';
import type { Manifest } from '../../src/model/manifest.ts';
import type { ClassifyMessage, FromWorker, ToWorker } from '../../src/model/protocol.ts';

const manifest = JSON.parse(readFileSync('test/fixtures/models/tiny-domain/manifest.json', 'utf8')) as Manifest;
const WASM: BackendChoice = { backend: 'wasm', reason: 'test', variant: 'fp32', threads: 1 };

/** A worker that answers each classify with adaptation {utterances: id, epoch: the request's}; crashes once on `crashOn`. */
class FakeWorker {
  onmessage: ((e: { data: FromWorker }) => void) | null = null;
  onerror: ((e: { message: string; preventDefault(): void }) => void) | null = null;
  onmessageerror: (() => void) | null = null;
  readonly classified: ClassifyMessage[] = [];
  terminated = false;
  constructor(private readonly crashOn: number | null) {}
  postMessage(msg: ToWorker): void {
    setTimeout(() => {
      if (this.terminated) return;
      if (msg.type === 'init') return this.reply({ type: 'ready', manifest, manifestUrl: msg.manifestUrl, backend: WASM, loadMs: 1 });
      if (msg.type !== 'classify') return;
      if (msg.id === this.crashOn) return this.onerror?.({ message: 'crash', preventDefault() {} });
      this.classified.push(msg);
      const adaptation = { utterances: msg.id, epoch: msg.adaptEpoch };
      this.reply({ type: 'result', id: msg.id, probabilities: new Float32Array([1, 0, 0, 0]), inferenceMs: 1, backend: 'wasm', adaptation });
    }, 0);
  }
  terminate(): void {
    this.terminated = true;
  }
  private reply(data: FromWorker): void {
    if (!this.terminated) this.onmessage?.({ data });
  }
}

test('requests carry the epoch current when they were made; results carry the worker adaptation', async () => {
  const workers: FakeWorker[] = [];
  const createWorker = () => {
    const w = new FakeWorker(workers.length === 0 ? 3 : null);
    workers.push(w);
    return w as unknown as Worker;
  };
  const c = await InferenceClient.create({ manifestUrl: 'm.json', createWorker });
  expect(c.adaptationEpoch).toBe(0);
  const first = await c.classify(new Float32Array(10), 'final');
  expect(first.adaptation).toEqual({ utterances: 1, epoch: 0 });
  const beforeReset = c.classify(new Float32Array(10), 'final'); // id 2
  const crashes = c.classify(new Float32Array(10), 'final'); // id 3: crashes the first worker, retried
  c.resetAdaptation();
  expect(c.adaptationEpoch).toBe(1);
  const afterReset = c.classify(new Float32Array(10), 'final'); // id 4
  expect((await beforeReset).adaptation?.epoch).toBe(0);
  expect((await crashes).adaptation?.epoch).toBe(0); // the retry keeps the epoch it was made in
  expect((await afterReset).adaptation?.epoch).toBe(1);
  expect(workers).toHaveLength(2);
  expect(workers[1].classified.map((m) => [m.id, m.adaptEpoch])).toEqual([
    [3, 0],
    [4, 1],
  ]);
  c.dispose();
});
