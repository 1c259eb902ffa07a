/**
 * Benchmark result types and the pure summary: per-cell latency statistics, accuracy
 * against the PyTorch reference, same-run ratios, the automatic backend check and growth.
 */
import type { ProcessPeaks } from './memory.ts';
import type { BackendLabel, SkippedCell } from './plan.ts';
import type { ClassifyReport, LoadReport } from './protocol.ts';
import { agreement, median, quantile } from './stats.ts';

export interface AudioEntry {
  id: string;
  kind: 'emodb' | 'long';
  label: string | null;
  samples: number;
  seconds: number;
  sources: string[];
}

/** bench/python_bench.py output. */
export interface PythonResults {
  model: string;
  spec: string;
  threads: number;
  torch_version: string;
  onnxruntime_version: string;
  reference_definition: string;
  /** audio id -> PyTorch fp32 reference probabilities. */
  reference: Record<string, number[]>;
  torch_ms: Record<string, number>;
  ort: Record<string, Record<string, { ms: number; probabilities: number[] }>>;
}

export interface CellMemory extends ProcessPeaks {
  mainJsHeapBytes: number | null;
  uaMemoryBytes: number | null;
}

export interface LengthStat {
  seconds: number;
  n: number;
  medianMs: number;
  p95Ms: number;
  /** Real-time factor: median latency / utterance duration (< 1: faster than real time). */
  rtf: number;
  medianInferenceMs: number;
}

export interface CellSummary {
  lengths: LengthStat[];
  /**
   * Median of the last 3 runs on 2-s files: V8 tiers WASM up while it runs (Liftoff ->
   * TurboFan), so a session's first requests are slower than its later ones.
   */
  steady2sMs: number | null;
  /** EmoDB 2-s files vs the PyTorch fp32 reference. */
  accuracy: { top1: number; maxDiff: number; n: number } | null;
  /** Longer utterances vs the reference (max |dp|), when the reference has them. */
  longMaxDiff: number | null;
}

export interface CellResult {
  model: string;
  backend: BackendLabel;
  variant: string;
  status: 'ok' | 'failed';
  reason?: string;
  load?: LoadReport;
  firstRunMs?: number;
  runs: ClassifyReport[];
  skippedRuns: { audioId: string; reason: string }[];
  memory: CellMemory | null;
  wallS?: number;
  /** 1-minute load average of the machine when the cell started (other jobs share the cores). */
  loadAverage1m?: number;
  browserVersion?: string;
  pageErrors?: string[];
  summary?: CellSummary;
}

/** bench/chunking.py output: whole utterance vs fixed chunks (PyTorch fp32, one thread). */
export interface ChunkingResults {
  model: string;
  spec: string;
  threads: number;
  rows: { seconds: number; chunk_seconds: number; full_ms: number; chunked_ms: number; speedup: number; max_prob_diff: number; same_top1: boolean }[];
}

export interface ModelEntry {
  id: string;
  description: string;
  spec: string;
  variants: { id: string; bytes: number; backends: string[]; requires: string[] }[];
  skipped: SkippedCell[];
  python: PythonResults;
  chunking?: ChunkingResults;
}

export interface Environment {
  cpu: string;
  cores: number;
  loadAverageStart: number[];
  loadAverageEnd: number[];
  node: string;
  browser: string;
  onnxruntimeWeb: string;
  gpu: string;
  wallMinutes: number;
}

export interface RatioRow {
  model: string;
  /** What is compared, e.g. "webgpu / wasm-mt" or "q4 / fp32 on wasm-1". */
  what: string;
  variant: string;
  aMs: number;
  bMs: number;
  ratio: number;
}

export interface PythonRow {
  model: string;
  variant: string;
  /** Browser WASM one thread, median over the 2-s files. */
  wasm1Ms: number | null;
  /** onnxruntime CPU (Python), one thread. */
  ortMs: number | null;
  /** PyTorch fp32 CPU, one thread (fp32 upstream whatever the variant). */
  torchMs: number | null;
  ortTop1: number | null;
  ortMaxDiff: number | null;
}

export interface AutoCheck {
  model: string;
  chose: string;
  variant: string;
  reason: string;
  /** Best 2-s median on the chosen backend and on the other one in this run (ms). */
  chosenBestMs: number | null;
  otherBestMs: number | null;
  /** True when the chosen backend was the faster one; null when the other was not measured. */
  faster: boolean | null;
  note: string;
}

export interface GrowthRow {
  model: string;
  source: string;
  points: { seconds: number; ms: number; msPerAudioSecond: number }[];
  /** ms per audio second at the longest length / at 4 s (1 = linear). */
  bend: number | null;
}

/** bench/gpu_torch.py output, from a GPU machine without a browser (recorded separately). */
export interface GpuTorchResults {
  device: string;
  torch: string;
  rows: { dtype: string; seconds: number; median_ms: number; max_ms: number; peak_mem_mb: number }[];
}

export interface BenchResults {
  date: string;
  mode: 'quick' | 'full';
  environment: Environment;
  models: ModelEntry[];
  audio: AudioEntry[];
  cells: CellResult[];
  ratios: RatioRow[];
  python: PythonRow[];
  auto: AutoCheck[];
  growth: GrowthRow[];
  /** Newest bench/results/*-gpu-torch-*.json, if any (file name + contents). */
  gpuTorch?: { file: string; result: GpuTorchResults };
}

const SR = 16000;

export function summarizeCell(cell: CellResult, reference: Record<string, number[]>): CellSummary {
  const bySeconds = new Map<number, ClassifyReport[]>();
  for (const r of cell.runs) {
    const s = Math.round((r.samples / SR) * 10) / 10;
    bySeconds.set(s, [...(bySeconds.get(s) ?? []), r]);
  }
  const lengths = [...bySeconds.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([seconds, rs]) => {
      const ms = rs.map((r) => r.latencyMs);
      const med = median(ms);
      return { seconds, n: rs.length, medianMs: med, p95Ms: quantile(ms, 0.95), rtf: med / (seconds * 1000), medianInferenceMs: median(rs.map((r) => r.inferenceMs)) };
    });
  const short = cell.runs.filter((r) => !r.audioId.startsWith('long-') && reference[r.audioId]);
  const long = cell.runs.filter((r) => r.audioId.startsWith('long-') && reference[r.audioId]);
  const pairs = (rs: ClassifyReport[]) => rs.map((r) => ({ p: r.probabilities, ref: reference[r.audioId] }));
  const twoS = cell.runs.filter((r) => r.samples === 2 * SR).map((r) => r.latencyMs);
  return {
    lengths,
    steady2sMs: twoS.length ? median(twoS.slice(-3)) : null,
    accuracy: short.length ? agreement(pairs(short)) : null,
    longMaxDiff: long.length ? agreement(pairs(long)).maxDiff : null,
  };
}

/** Steady-state 2-s latency of a cell (see {@link CellSummary.steady2sMs}). */
function at2s(cell: CellResult | undefined): number | null {
  return cell?.summary?.steady2sMs ?? null;
}

function ok(cells: CellResult[], model: string, backend: BackendLabel, variant?: string): CellResult[] {
  return cells.filter((c) => c.status === 'ok' && c.model === model && c.backend === backend && (variant === undefined || c.variant === variant));
}

function ratios(cells: CellResult[], models: ModelEntry[]): RatioRow[] {
  const rows: RatioRow[] = [];
  for (const m of models) {
    for (const v of m.variants) {
      const gpu = at2s(ok(cells, m.id, 'webgpu', v.id)[0]);
      for (const b of ['wasm-1', 'wasm-mt'] as const) {
        const w = at2s(ok(cells, m.id, b, v.id)[0]);
        if (gpu !== null && w !== null) rows.push({ model: m.id, what: `webgpu / ${b}`, variant: v.id, aMs: gpu, bMs: w, ratio: gpu / w });
      }
    }
    for (const b of ['wasm-1', 'wasm-mt', 'webgpu'] as const) {
      const fp32 = at2s(ok(cells, m.id, b, 'fp32')[0]);
      if (fp32 === null) continue;
      for (const c of ok(cells, m.id, b)) {
        const x = at2s(c);
        if (c.variant !== 'fp32' && x !== null) rows.push({ model: m.id, what: `variant / fp32 on ${b}`, variant: c.variant, aMs: x, bMs: fp32, ratio: x / fp32 });
      }
    }
    for (const v of m.variants) {
      const one = at2s(ok(cells, m.id, 'wasm-1', v.id)[0]);
      const mt = at2s(ok(cells, m.id, 'wasm-mt', v.id)[0]);
      if (one !== null && mt !== null) rows.push({ model: m.id, what: 'wasm-mt / wasm-1', variant: v.id, aMs: mt, bMs: one, ratio: mt / one });
    }
  }
  return rows;
}

function pythonRows(cells: CellResult[], models: ModelEntry[]): PythonRow[] {
  const rows: PythonRow[] = [];
  for (const m of models) {
    const py = m.python;
    const shortIds = Object.keys(py.reference).filter((id) => !id.startsWith('long-'));
    const torchMs = shortIds.length ? median(shortIds.map((id) => py.torch_ms[id])) : null;
    for (const v of m.variants) {
      const ort = py.ort[v.id];
      const ortShort = ort ? Object.entries(ort).filter(([id]) => !id.startsWith('long-')) : [];
      const acc = ortShort.length ? agreement(ortShort.map(([id, r]) => ({ p: r.probabilities, ref: py.reference[id] }))) : null;
      rows.push({
        model: m.id,
        variant: v.id,
        wasm1Ms: at2s(ok(cells, m.id, 'wasm-1', v.id)[0]),
        ortMs: ortShort.length ? median(ortShort.map(([, r]) => r.ms)) : null,
        torchMs,
        ortTop1: acc?.top1 ?? null,
        ortMaxDiff: acc?.maxDiff ?? null,
      });
    }
  }
  return rows;
}

function autoChecks(cells: CellResult[], models: ModelEntry[]): AutoCheck[] {
  const out: AutoCheck[] = [];
  for (const m of models) {
    const auto = cells.find((c) => c.model === m.id && c.backend === 'auto');
    if (!auto?.load) continue;
    const chose = auto.load.choice.backend;
    const best = (labels: BackendLabel[]): number | null => {
      const xs = labels.flatMap((b) => ok(cells, m.id, b).map(at2s)).filter((x): x is number => x !== null);
      return xs.length ? Math.min(...xs) : null;
    };
    const wasm = best(['wasm-mt', 'wasm-1']);
    const gpu = best(['webgpu']);
    const chosenBestMs = chose === 'wasm' ? wasm : gpu;
    const otherBestMs = chose === 'wasm' ? gpu : wasm;
    const faster = chosenBestMs !== null && otherBestMs !== null ? chosenBestMs <= otherBestMs : null;
    out.push({
      model: m.id,
      chose,
      variant: auto.load.choice.variant,
      reason: auto.load.choice.reason,
      chosenBestMs,
      otherBestMs,
      faster,
      note: faster === null ? 'WebGPU not measured for this model (see skipped); the small model shows the same adapter' : '',
    });
  }
  return out;
}

function growth(cells: CellResult[], models: ModelEntry[]): GrowthRow[] {
  const rows: GrowthRow[] = [];
  const bend = (pts: GrowthRow['points']): number | null => {
    const base = pts.find((p) => p.seconds === 4);
    const last = pts[pts.length - 1];
    return base && last && last.seconds > 4 ? last.msPerAudioSecond / base.msPerAudioSecond : null;
  };
  for (const c of cells) {
    const ls = c.summary?.lengths ?? [];
    if (c.status !== 'ok' || ls.length < 3) continue;
    const points = ls.map((l) => ({ seconds: l.seconds, ms: l.medianMs, msPerAudioSecond: l.medianMs / l.seconds }));
    rows.push({ model: c.model, source: `browser ${c.variant} ${c.backend}`, points, bend: bend(points) });
  }
  for (const m of models) {
    const py = m.python;
    const ids = Object.keys(py.torch_ms);
    const bySec = new Map<number, number[]>();
    for (const id of ids) {
      const sec = id.startsWith('long-') ? Number(id.slice(5, -1)) : 2;
      bySec.set(sec, [...(bySec.get(sec) ?? []), py.torch_ms[id]]);
    }
    const points = [...bySec.entries()].sort((a, b) => a[0] - b[0]).map(([seconds, ms]) => ({ seconds, ms: median(ms), msPerAudioSecond: median(ms) / seconds }));
    if (points.length >= 3) rows.push({ model: m.id, source: 'PyTorch fp32 CPU 1 thread', points, bend: bend(points) });
  }
  return rows;
}

/** Adds per-cell summaries and the cross-cell tables. */
export function summarize(raw: Omit<BenchResults, 'ratios' | 'python' | 'auto' | 'growth'>): BenchResults {
  const refs = new Map(raw.models.map((m) => [m.id, m.python.reference]));
  const cells = raw.cells.map((c) => ({ ...c, summary: summarizeCell(c, refs.get(c.model) ?? {}) }));
  return {
    ...raw,
    cells,
    ratios: ratios(cells, raw.models),
    python: pythonRows(cells, raw.models),
    auto: autoChecks(cells, raw.models),
    growth: growth(cells, raw.models),
  };
}
