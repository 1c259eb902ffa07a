/**
 * What the benchmark runs, sized for a 2-core machine without a GPU (WebGPU is
 * SwiftShader, ~60x slower than WASM): every skipped cell carries its reason.
 */

/** Browser configuration: WASM one thread (no isolation), WASM threads (COOP/COEP), WebGPU, or the app's automatic choice. */
export type BackendLabel = 'wasm-1' | 'wasm-mt' | 'webgpu' | 'auto';

/** One (model, variant, backend) cell. */
export interface ConfigPlan {
  backend: BackendLabel;
  variant: string;
  /** EmoDB 2-s files classified (latency samples at 2 s and accuracy). */
  files: number;
  /** Longer utterances (seconds), each classified `reps` times. */
  lengths: number[];
  reps: number;
  /** Wall-clock budget; runs predicted to overflow it are skipped (recorded). */
  budgetS: number;
}

/** A cell not run, and why. */
export interface SkippedCell {
  backend: BackendLabel;
  variant: string;
  reason: string;
}

/** Python side (reference + CPU timings). */
export interface PythonPlan {
  files: number;
  ortFiles: number;
  torchLengths: number[];
  ortLengths: number[];
}

export interface ModelPlan {
  id: string;
  /** Folder with manifest.json (filesystem). */
  dir: string;
  /** URL of manifest.json on the bench server. */
  manifestUrl: string;
  /** Upstream spec for the PyTorch reference. */
  spec: string;
  description: string;
  configs: ConfigPlan[];
  skipped: SkippedCell[];
  python: PythonPlan;
}

/** What plan() needs from a manifest variant. */
export interface VariantFacts {
  id: string;
  backends: string[];
  requires: string[];
}

export type ModelKind = 'small' | 'wavlm';

const SWIFTSHADER_F16 = 'needs shader-f16; the SwiftShader adapter has none (the app would load another variant)';

/** Cells for one model. `quick` keeps a smoke-sized subset. */
export function planConfigs(kind: ModelKind, variants: VariantFacts[], quick: boolean): { configs: ConfigPlan[]; skipped: SkippedCell[] } {
  const configs: ConfigPlan[] = [];
  const skipped: SkippedCell[] = [];
  const wasmOk = variants.filter((v) => v.backends.includes('wasm'));
  for (const v of variants) {
    if (!v.backends.includes('wasm')) {
      for (const b of ['wasm-1', 'wasm-mt'] as const) skipped.push({ backend: b, variant: v.id, reason: 'manifest: not offered on WASM' });
    }
    if (!v.backends.includes('webgpu')) skipped.push({ backend: 'webgpu', variant: v.id, reason: 'manifest: not offered on WebGPU (no MatMulInteger kernels)' });
  }
  if (kind === 'small') {
    for (const v of wasmOk) {
      for (const backend of ['wasm-1', 'wasm-mt'] as const) {
        configs.push(quick
          ? { backend, variant: v.id, files: 3, lengths: [4, 8], reps: 2, budgetS: 30 }
          : { backend, variant: v.id, files: 10, lengths: [4, 8, 16, 30], reps: 2, budgetS: 60 });
      }
    }
    const gpuWanted = quick ? ['fp32'] : ['fp32', 'q4'];
    for (const v of variants.filter((x) => x.backends.includes('webgpu'))) {
      if (v.requires.length) skipped.push({ backend: 'webgpu', variant: v.id, reason: SWIFTSHADER_F16 });
      else if (gpuWanted.includes(v.id)) {
        configs.push(quick
          ? { backend: 'webgpu', variant: v.id, files: 1, lengths: [], reps: 1, budgetS: 90 }
          : { backend: 'webgpu', variant: v.id, files: 2, lengths: [4], reps: 1, budgetS: 120 });
      } else skipped.push({ backend: 'webgpu', variant: v.id, reason: 'SwiftShader time: WebGPU runs only fp32 and q4 of the small model' });
    }
  } else {
    const longOnes = quick ? [] : ['int8', 'q4'];
    for (const v of wasmOk) {
      if (quick && v.id !== 'int8') {
        for (const b of ['wasm-1', 'wasm-mt'] as const) skipped.push({ backend: b, variant: v.id, reason: '--quick: WavLM int8 only' });
        continue;
      }
      configs.push(quick
        ? { backend: 'wasm-1', variant: v.id, files: 2, lengths: [], reps: 1, budgetS: 60 }
        : { backend: 'wasm-1', variant: v.id, files: 3, lengths: [4], reps: 1, budgetS: 60 });
      configs.push(quick
        ? { backend: 'wasm-mt', variant: v.id, files: 2, lengths: [4], reps: 1, budgetS: 60 }
        : longOnes.includes(v.id)
          ? { backend: 'wasm-mt', variant: v.id, files: 3, lengths: [4, 8, 16, 30], reps: 1, budgetS: 150 }
          : { backend: 'wasm-mt', variant: v.id, files: 3, lengths: [4], reps: 1, budgetS: 60 });
    }
    for (const v of variants.filter((x) => x.backends.includes('webgpu'))) {
      skipped.push({
        backend: 'webgpu',
        variant: v.id,
        reason: v.requires.length ? SWIFTSHADER_F16 : 'SwiftShader: a 2-s WavLM Base+ run would take minutes (~60x WASM)',
      });
    }
  }
  // The app's own choice, once per model (WebGPU adapter present, cross-origin isolated).
  configs.push({ backend: 'auto', variant: '', files: quick ? 1 : 3, lengths: [], reps: 1, budgetS: 60 });
  return { configs, skipped };
}

export function pythonPlan(kind: ModelKind, quick: boolean): PythonPlan {
  if (quick) return { files: 3, ortFiles: 2, torchLengths: [4], ortLengths: [] };
  return kind === 'small'
    ? { files: 10, ortFiles: 10, torchLengths: [4, 8, 16, 30], ortLengths: [4, 8, 16, 30] }
    : { files: 10, ortFiles: 3, torchLengths: [4, 8, 16, 30], ortLengths: [4] };
}
