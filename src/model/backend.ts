/**
 * Backend choice: WebGPU only on a real hardware adapter (a software/fallback adapter
 * such as SwiftShader runs our models ~60x slower than WASM), WASM otherwise; a user
 * override forces one. Variant choice per backend from what the manifest offers.
 * Everything but {@link probeAdapter} is pure and unit-tested.
 */

/** An execution backend of onnxruntime-web. */
export type BackendName = 'webgpu' | 'wasm';

/** What the user asked for: `auto` lets {@link decideBackend} choose. */
export type BackendPreference = 'auto' | BackendName;

/** What we know about a WebGPU adapter. */
export interface AdapterSummary {
  vendor: string;
  architecture: string;
  description: string;
  /** `GPUAdapterInfo.isFallbackAdapter` (or the older `GPUAdapter.isFallbackAdapter`). */
  fallback: boolean;
  /** The adapter offers the `shader-f16` feature. */
  shaderF16: boolean;
  /** All adapter features (for manifest variants' `requires`). */
  features: string[];
}

/** The backend in use and why; shown to the user. */
export interface BackendChoice {
  backend: BackendName;
  /** Human-readable reason for the choice (or for a fallback). */
  reason: string;
  adapter?: { vendor: string; architecture: string; fallback: boolean };
  /** Upstream variant loaded, e.g. `fp32`, `fp16`, `q4`, `int8`. */
  variant: string;
  /** WASM threads (1 on WebGPU's CPU side too, where it matters little). */
  threads: number;
}

/** Reads `?backend=webgpu|wasm|auto` from a query string; undefined when absent/invalid. */
export function parseBackendParam(search: string): BackendPreference | undefined {
  const v = new URLSearchParams(search).get('backend')?.toLowerCase();
  return v === 'webgpu' || v === 'wasm' || v === 'auto' ? v : undefined;
}

/** Substrings of vendor/architecture/description that mark a CPU-emulated adapter. */
const SOFTWARE_MARKERS = ['swiftshader', 'llvmpipe', 'lavapipe', 'softpipe', 'software', 'warp', 'basic render driver'];

/** True for software/fallback adapters (SwiftShader, llvmpipe, Microsoft WARP ...). */
export function isSoftwareAdapter(a: AdapterSummary): boolean {
  if (a.fallback) return true;
  const text = `${a.vendor} ${a.architecture} ${a.description}`.toLowerCase();
  return SOFTWARE_MARKERS.some((m) => text.includes(m));
}

/** Result of {@link decideBackend}, before the variant is known. */
export interface BackendDecision {
  backend: BackendName;
  reason: string;
}

/**
 * Picks the backend from the preference and the adapter (null: no WebGPU adapter).
 * A forced `webgpu` without any adapter cannot run and degrades to WASM with a reason.
 */
export function decideBackend(pref: BackendPreference, adapter: AdapterSummary | null): BackendDecision {
  if (pref === 'wasm') return { backend: 'wasm', reason: 'WASM requested (?backend=wasm)' };
  if (pref === 'webgpu') {
    if (!adapter) return { backend: 'wasm', reason: 'WebGPU requested but no WebGPU adapter is available; using WASM' };
    return { backend: 'webgpu', reason: `WebGPU requested (${adapterLabel(adapter)})` };
  }
  if (!adapter) return { backend: 'wasm', reason: 'no WebGPU adapter; using WASM' };
  if (isSoftwareAdapter(adapter)) {
    return { backend: 'wasm', reason: `WebGPU adapter is a software/fallback one (${adapterLabel(adapter)}); WASM is faster` };
  }
  return { backend: 'webgpu', reason: `hardware WebGPU adapter (${adapterLabel(adapter)})` };
}

function adapterLabel(a: AdapterSummary): string {
  const parts = [a.vendor, a.architecture, a.description].filter((s) => s.length > 0);
  return (parts.length ? parts.join(' / ') : 'unknown adapter') + (a.fallback ? ', fallback' : '');
}

/** Variant preference per backend; the first one the manifest offers wins. */
const VARIANT_ORDER: Record<BackendName, readonly string[]> = {
  // fp16 needs shader-f16 (filtered below); weight-only MatMulNBits runs well on WebGPU;
  // dynamic int8 (MatMulInteger) has no proper WebGPU kernels, so it is last.
  webgpu: ['fp16', 'q4', 'q8', 'fp32', 'int8'],
  // int8 (MatMulInteger) is the fast CPU path; fp16 weights only cost conversions on CPU.
  wasm: ['int8', 'q8', 'fp32', 'q4', 'fp16'],
};

/** What {@link chooseVariant} needs to know about a manifest variant. */
export interface VariantInfo {
  id: string;
  backends: readonly BackendName[];
  /** Device features needed (e.g. `shader-f16`); only a WebGPU adapter provides any. */
  requires: readonly string[];
  /** Weight dtype; `float16` implies `shader-f16` on WebGPU even if `requires` omits it. */
  dtype?: string;
}

/** Features a variant needs on WebGPU: its `requires`, plus shader-f16 for fp16 weights. */
function neededFeatures(v: VariantInfo): readonly string[] {
  const fp16 = v.id === 'fp16' || v.dtype === 'float16';
  return fp16 && !v.requires.includes('shader-f16') ? [...v.requires, 'shader-f16'] : v.requires;
}

/**
 * The upstream variant id to load on `backend`: among the variants that list the backend
 * and whose `requires` the adapter `features` satisfy, the first in the backend's
 * preference order (then manifest order). `requested` (e.g. `?variant=fp32`) wins when
 * runnable. Undefined when nothing runs on this backend.
 */
export function chooseVariant(
  backend: BackendName,
  variants: readonly VariantInfo[],
  features: ReadonlySet<string>,
  requested?: string,
): string | undefined {
  const runnable = variants.filter((v) => {
    if (!v.backends.includes(backend)) return false;
    if (backend === 'wasm') return v.requires.length === 0;
    return neededFeatures(v).every((f) => features.has(f));
  });
  if (requested !== undefined && runnable.some((v) => v.id === requested)) return requested;
  const order = VARIANT_ORDER[backend];
  const rank = (id: string): number => {
    const i = order.indexOf(id);
    return i < 0 ? order.length : i;
  };
  // Array.prototype.sort is stable: equal ranks keep manifest order.
  return [...runnable].sort((x, y) => rank(x.id) - rank(y.id))[0]?.id;
}

/** WASM thread count: threads need cross-origin isolation (SharedArrayBuffer). */
export function wasmThreads(crossOriginIsolated: boolean, hardwareConcurrency: number | undefined): number {
  if (!crossOriginIsolated) return 1;
  return Math.max(1, Math.min(4, hardwareConcurrency ?? 1));
}

/** A live adapter and its summary. */
export interface ProbedAdapter {
  adapter: GPUAdapter;
  summary: AdapterSummary;
}

/** Asks `navigator.gpu` for an adapter; null when WebGPU is missing or refuses. */
export async function probeAdapter(gpu: GPU | undefined): Promise<ProbedAdapter | null> {
  if (!gpu) return null;
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter();
  } catch {
    return null;
  }
  if (!adapter) return null;
  return { adapter, summary: summarizeAdapter(adapter) };
}

/** Reads the adapter's info fields defensively (older browsers lack some). */
export function summarizeAdapter(adapter: GPUAdapter): AdapterSummary {
  const info: Partial<GPUAdapterInfo> = adapter.info ?? {};
  const legacyFallback = (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter;
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    description: info.description ?? '',
    fallback: Boolean((info as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? legacyFallback),
    shaderF16: adapter.features.has('shader-f16'),
    features: [...adapter.features],
  };
}
