/** Markdown rendering of {@link BenchResults} (pure). */
import type { BenchResults, CellResult } from './results.ts';

const LENGTHS = [2, 4, 8, 16, 30];

function mb(bytes: number | null | undefined): string {
  return bytes === null || bytes === undefined ? '-' : (bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0);
}

function ms(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '-';
  return x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${x.toFixed(0)}`;
}

function latencyCell(c: CellResult, sec: number): string {
  const l = c.summary?.lengths.find((x) => x.seconds === sec);
  if (!l) return c.skippedRuns.some((s) => s.audioId === `long-${sec}s`) ? 'budget' : '';
  return l.n > 1 ? `${ms(l.medianMs)} / ${ms(l.p95Ms)}` : `${ms(l.medianMs)} (1)`;
}

function rtf(c: CellResult): string {
  const ls = c.summary?.lengths ?? [];
  const l = ls[ls.length - 1];
  return l ? `${l.rtf.toFixed(3)} @${l.seconds}s` : '-';
}

export function renderMarkdown(r: BenchResults): string {
  const e = r.environment;
  const out: string[] = [];
  out.push(`# Benchmark ${r.date.slice(0, 16)}Z (${r.mode})`, '');
  out.push(
    `Machine: ${e.cpu}, ${e.cores} cores shared with other jobs (load average ${e.loadAverageStart[0].toFixed(1)} at start, ` +
      `${e.loadAverageEnd[0].toFixed(1)} at end), Chromium ${e.browser} headless, onnxruntime-web ${e.onnxruntimeWeb}, ` +
      `${r.models[0]?.python.torch_version ? `PyTorch ${r.models[0].python.torch_version}, onnxruntime ${r.models[0].python.onnxruntime_version}` : ''}. ` +
      `Wall time ${e.wallMinutes.toFixed(1)} min.`,
    '',
    `GPU: ${e.gpu}.`,
    '',
    'Absolute numbers on a loaded, shared 2-core machine are noisy; compare cells of the same run (ratios below).',
    '',
  );
  for (const m of r.models) out.push(`- **${m.id}**: ${m.description}; reference \`${m.python.reference_definition}\`.`);
  out.push('');

  out.push('## Latency (end of utterance -> probabilities, ms: median / p95; `(1)` = one run)', '');
  out.push('| model | variant | backend | MB | load s (fetch + init) | first run | 2 s | 2 s steady | 4 s | 8 s | 16 s | 30 s | RTF | top-1 | max Δp |');
  out.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const c of r.cells) {
    if (c.status !== 'ok') {
      out.push(`| ${c.model} | ${c.variant || '(auto)'} | ${c.backend} | | failed: ${c.reason ?? ''} |||||||||`);
      continue;
    }
    const l = c.load;
    const acc = c.summary?.accuracy;
    out.push(
      `| ${c.model} | ${c.variant} | ${c.backend}${c.backend === 'auto' ? ` -> ${l?.choice.backend}` : ''}${l ? ` (${l.choice.threads}t)` : ''} | ${mb(l?.bytes)} | ` +
        `${l ? `${(l.totalMs / 1000).toFixed(1)} (${(l.fetchMs / 1000).toFixed(1)} + ${(l.initMs / 1000).toFixed(1)})` : '-'} | ${ms(c.firstRunMs)} | ` +
        `${latencyCell(c, 2)} | ${ms(c.summary?.steady2sMs)} | ` +
        LENGTHS.slice(1).map((s) => latencyCell(c, s)).join(' | ') +
        ` | ${rtf(c)} | ${acc ? `${acc.n ? Math.round(acc.top1 * acc.n) : 0}/${acc.n}` : '-'} | ${acc ? acc.maxDiff.toExponential(1) : '-'} |`,
    );
  }
  out.push(
    '',
    'load = `InferenceClient.create` until ready: fetch + SHA-256 + Cache API, then session creation + the client\'s built-in warm-up run on 1 s. ' +
      'first run = the first request after load (2-s file; cold for that input shape). 2 s = all 2-s files in order, as a fresh session sees them; ' +
      '2 s steady = median of the last 3 (V8 tiers WASM code up while it runs, so early requests are slower). RTF = median latency / duration at the longest length measured. ' +
      'top-1 / max Δp: EmoDB 2-s files vs the PyTorch fp32 reference. `budget` = skipped by the cell\'s time budget.',
    '',
  );

  out.push('## Memory (peak resident MB per Chromium process, fresh browser per cell)', '');
  out.push('| model | variant | backend | renderer peak | GPU process peak | JS heap (main) | UA memory (page + workers) | machine load avg at start |');
  out.push('|---|---|---|---|---|---|---|---|');
  for (const c of r.cells.filter((x) => x.memory)) {
    const m = c.memory!;
    out.push(`| ${c.model} | ${c.variant} | ${c.backend} | ${mb(m.rendererPeakBytes)} | ${mb(m.gpuPeakBytes)} | ${mb(m.mainJsHeapBytes)} | ${mb(m.uaMemoryBytes)} | ${c.loadAverage1m?.toFixed(1) ?? '-'} |`);
  }
  out.push(
    '',
    'Renderer peak (VmHWM) holds the inference worker, its WASM heap and the model bytes; on SwiftShader the GPU buffers are CPU memory of the GPU process. ' +
      'JS heap (main) = `performance.memory` of the page; the inference worker\'s heap is not in it (it is in the renderer peak). ' +
      'UA memory = `performance.measureUserAgentSpecificMemory()` (cross-origin isolated pages only; `-` when it did not answer within 10 s, as it waits for a GC). ' +
      'GPU buffer sizes are not readable from onnxruntime-web.',
    '',
  );

  out.push('## Same-run ratios (2-s EmoDB files, steady medians)', '');
  out.push('| model | ratio | variant | a ms | b ms | a / b |', '|---|---|---|---|---|---|');
  for (const x of r.ratios) out.push(`| ${x.model} | ${x.what} | ${x.variant} | ${ms(x.aMs)} | ${ms(x.bMs)} | ${x.ratio.toFixed(2)} |`);
  out.push('');

  out.push('## Browser vs onnxruntime (Python CPU) vs PyTorch (CPU), one thread each, 2-s files (browser: steady median)', '');
  out.push('| model | variant | browser WASM 1t ms | onnxruntime ms | PyTorch fp32 ms | browser / ORT | browser / PyTorch | ORT top-1 | ORT max Δp |', '|---|---|---|---|---|---|---|---|---|');
  for (const p of r.python) {
    const f = (a: number | null, b: number | null) => (a !== null && b !== null ? (a / b).toFixed(2) : '-');
    out.push(`| ${p.model} | ${p.variant} | ${ms(p.wasm1Ms)} | ${ms(p.ortMs)} | ${ms(p.torchMs)} | ${f(p.wasm1Ms, p.ortMs)} | ${f(p.wasm1Ms, p.torchMs)} | ${p.ortTop1 === null ? '-' : p.ortTop1.toFixed(2)} | ${p.ortMaxDiff === null ? '-' : p.ortMaxDiff.toExponential(1)} |`);
  }
  out.push('');

  out.push('## Automatic backend choice', '');
  out.push('| model | chose | variant | reason | chosen best 2-s ms | other backend best ms | chose the faster |', '|---|---|---|---|---|---|---|');
  for (const a of r.auto) {
    out.push(`| ${a.model} | ${a.chose} | ${a.variant} | ${a.reason} | ${ms(a.chosenBestMs)} | ${ms(a.otherBestMs)} | ${a.faster === null ? `n/a (${a.note})` : a.faster ? 'yes' : '**no**'} |`);
  }
  out.push('');

  out.push('## Growth with utterance length (median ms; ms per audio second)', '');
  out.push('| model | source | ' + LENGTHS.map((s) => `${s} s`).join(' | ') + ' | bend (ms/s at longest ÷ at 4 s) |');
  out.push('|---|---|' + LENGTHS.map(() => '---|').join('') + '---|');
  for (const g of r.growth) {
    const cellsTxt = LENGTHS.map((s) => {
      const p = g.points.find((x) => x.seconds === s);
      return p ? `${ms(p.ms)} (${p.msPerAudioSecond.toFixed(0)}/s)` : '';
    });
    out.push(`| ${g.model} | ${g.source} | ${cellsTxt.join(' | ')} | ${g.bend === null ? '-' : g.bend.toFixed(2)} |`);
  }
  out.push('');

  const chunked = r.models.filter((m) => m.chunking);
  if (chunked.length) {
    out.push('## Chunked upstream for long utterances (PyTorch fp32, one thread)', '');
    out.push('| model | utterance | chunk | whole ms | chunked ms | speed-up | max Δp vs whole | same top-1 |', '|---|---|---|---|---|---|---|---|');
    for (const m of chunked) {
      for (const c of m.chunking!.rows) {
        out.push(`| ${m.id} | ${c.seconds} s | ${c.chunk_seconds} s | ${ms(c.full_ms)} | ${ms(c.chunked_ms)} | ${c.speedup.toFixed(2)} | ${c.max_prob_diff.toExponential(1)} | ${c.same_top1 ? 'yes' : 'no'} |`);
      }
    }
    out.push('', 'Chunks are independent upstream passes whose hidden states are concatenated before the head (random weights: the accuracy effect on a trained model can be larger).', '');
  }

  if (r.gpuTorch) {
    const g = r.gpuTorch.result;
    out.push(`## Real GPU, recorded separately: PyTorch CUDA on ${g.device} (no browser there)`, '');
    out.push(
      `The GPU machine lent to the project has no Chromium or Node, so the browser benchmark cannot run on it; ` +
        `\`bench/gpu_torch.py\` times the same WavLM Base+ architecture (random weights, all hidden states) in PyTorch ${g.torch} ` +
        `(median of 5 after 3 warm-up runs; \`${r.gpuTorch.file}\`). A browser on a real GPU pays WebGPU and onnxruntime-web overheads on top.`,
      '',
    );
    out.push('| dtype | ' + LENGTHS.map((s) => `${s} s`).join(' | ') + ' | peak CUDA MB |', '|---|' + LENGTHS.map(() => '---|').join('') + '---|');
    for (const dtype of [...new Set(g.rows.map((x) => x.dtype))]) {
      const rows = g.rows.filter((x) => x.dtype === dtype);
      out.push(`| ${dtype} | ${LENGTHS.map((s) => ms(rows.find((x) => x.seconds === s)?.median_ms)).join(' | ')} | ${Math.max(...rows.map((x) => x.peak_mem_mb)).toFixed(0)} |`);
    }
    out.push('');
  }

  out.push('## Not run, and why', '');
  for (const m of r.models) for (const s of m.skipped) out.push(`- ${m.id} ${s.variant} on ${s.backend}: ${s.reason}`);
  for (const c of r.cells) {
    const reasons = new Map<string, string[]>();
    for (const s of c.skippedRuns) reasons.set(s.reason.replace(/ \(predicted.*\)/, ''), [...(reasons.get(s.reason.replace(/ \(predicted.*\)/, '')) ?? []), s.audioId]);
    for (const [why, ids] of reasons) out.push(`- ${c.model} ${c.variant} on ${c.backend}: ${ids.join(', ')} skipped (${why})`);
  }
  out.push('');
  return out.join('\n');
}
