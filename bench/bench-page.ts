/**
 * Bench page: loads models through the app's own InferenceClient (same worker, backend
 * choice, fetch/verify/cache path as the product) and times what the user waits for.
 * Driven by bench/runner.ts through `window.__bench`.
 */
import { InferenceClient, type LoadProgress } from '../src/model/index.ts';
import type { BenchApi, ClassifyReport, LoadReport, LoadRequest, PageMemory } from './protocol.ts';

declare global {
  interface Window {
    __bench: BenchApi;
  }
  interface Performance {
    /** Chromium only. */
    memory?: { usedJSHeapSize: number; totalJSHeapSize: number };
    /** Needs cross-origin isolation. */
    measureUserAgentSpecificMemory?: () => Promise<{ bytes: number }>;
  }
}

let client: InferenceClient | null = null;
const audioCache = new Map<string, Float32Array>();

async function audio(id: string): Promise<Float32Array> {
  const hit = audioCache.get(id);
  if (hit) return hit;
  const res = await fetch(`/audio/${id}.f32`);
  if (!res.ok) throw new Error(`audio ${id}: HTTP ${res.status}`);
  const data = new Float32Array(await res.arrayBuffer());
  audioCache.set(id, data);
  return data;
}

async function load(req: LoadRequest): Promise<LoadReport> {
  await dispose();
  let lastDone = 0;
  const onProgress = (e: LoadProgress): void => {
    if (e.status === 'done') lastDone = performance.now();
  };
  const t0 = performance.now();
  client = await InferenceClient.create({
    manifestUrl: req.manifestUrl,
    backend: req.backend,
    onProgress,
    ...(req.variant !== undefined ? { variant: req.variant } : {}),
  });
  const t1 = performance.now();
  const choice = client.backend;
  const up = client.manifest.upstream.variants.find((v) => v.id === choice.variant);
  return {
    totalMs: t1 - t0,
    fetchMs: (lastDone || t0) - t0,
    initMs: t1 - (lastDone || t0),
    bytes: (up?.bytes ?? 0) + client.manifest.head.bytes,
    choice,
    crossOriginIsolated: self.crossOriginIsolated,
    hardwareConcurrency: navigator.hardwareConcurrency,
  };
}

async function classify(audioId: string): Promise<ClassifyReport> {
  if (!client) throw new Error('no model loaded');
  const samples = await audio(audioId);
  // Every timed request is a first utterance (a model with session domain normalisation would
  // otherwise adapt across bench files); the Python reference does the same.
  client.resetAdaptation();
  const t0 = performance.now();
  const r = await client.classify(samples, 'final');
  const latencyMs = performance.now() - t0;
  return {
    audioId,
    samples: samples.length,
    latencyMs,
    inferenceMs: r.inferenceMs,
    probabilities: Array.from(r.probabilities),
    backend: r.backend,
  };
}

async function memory(): Promise<PageMemory> {
  let uaMemoryBytes: number | null = null;
  if (self.crossOriginIsolated && performance.measureUserAgentSpecificMemory) {
    try {
      // The measurement waits for a GC; do not let it hold the benchmark up.
      const timeout = new Promise<null>((ok) => setTimeout(() => ok(null), 10_000));
      const measured = await Promise.race([performance.measureUserAgentSpecificMemory(), timeout]);
      uaMemoryBytes = measured?.bytes ?? null;
    } catch {
      uaMemoryBytes = null;
    }
  }
  return { mainJsHeapBytes: performance.memory?.usedJSHeapSize ?? null, uaMemoryBytes };
}

async function dispose(): Promise<void> {
  client?.dispose();
  client = null;
}

window.__bench = { load, classify, memory, dispose };
document.getElementById('status')!.textContent = 'bench page ready';
